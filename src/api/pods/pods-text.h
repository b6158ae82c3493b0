/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "container.h"

struct berth_error;
struct strbuf;

/*
 * The CLI text of the seed's replies, as docker-compose 1.29 prints it: the `ps` and
 * `top` tables (python3-texttable 1.6 with compose's settings), the `logs` prefixes, the
 * "Pausing x ... done" lines of its parallel writer, the State and Ports columns. Pure:
 * no I/O, no locks; unit-tested byte for byte against the seed's examples.
 *
 * Widths count code points (texttable counts display columns: an East Asian wide
 * character is two there). Control characters in a cell print as spaces.
 */

/* A table as compose prints one (texttable, deco HEADER): each header centred in its
 * column, cells left-aligned, columns three spaces apart, a line of dashes as long as a
 * row under the header, every line ending in "\n". cells: n_rows rows of n_cols (NULL:
 * empty). Appends to b (check b->oom). */
void pods_text_table(struct strbuf *b, const char *const *headers, size_t n_cols,
                     const char *const *cells, size_t n_rows);

/* One row of `docker-compose ps`. */
struct pods_ps_row {
        const char *name, *command, *state, *ports;
};
/* The table (Name, Command, State, Ports), rows sorted by name as compose sorts them. */
void pods_text_ps(struct strbuf *b, const struct pods_ps_row *rows, size_t n);

/* The Command column: entrypoint and args joined by spaces; over 30 characters, the
 * first 26 and " ...". A new string, NULL on OOM. */
char *pods_text_command(char *const *entrypoint, char *const *args);

/* What the State column needs of a container. */
struct pods_state_in {
        enum berth_container_state state;
        int exit_code;      /* -1: none */
        int signal;         /* what ended it, 0: none */
        const char *health; /* the engine's "healthy", "unhealthy", "starting"; NULL: none */
        bool restarting;    /* the engine waits to restart it */
};
/* "Up", "Up (healthy)", "Up (health: starting)", "Paused", "Restarting", "Exit 0",
 * "Exit 137" (a signal is 128 + its number, as Docker reports it). */
const char *pods_text_state(const struct pods_state_in *in, char *buf, size_t size);

/* A published (or only exposed: host_port 0) port. */
struct pods_port {
        const char *host_ip; /* NULL: "0.0.0.0" */
        unsigned host_port, port;
        const char *proto; /* NULL: "tcp" */
};
/* The Ports column: "127.0.0.1:3001->3000/tcp", the host bindings of one container port
 * joined by ",", the container ports (sorted as the strings "3000/tcp") by ", ". A new
 * string ("" for none), NULL on OOM. */
char *pods_text_ports(const struct pods_port *ports, size_t n);

/* `docker-compose top` for one container: its name on a line, then the table of
 * top (Docker's {"Titles": [..], "Processes": [[..], ..]}). -EINVAL when top has not
 * that shape. */
int pods_text_top(struct strbuf *b, const char *name, const json_t *top);

/* The log prefix label of a container: "<service>_1" when the container is named
 * "<project>_<service>..." as compose names it, else its name (container_name:). A new
 * string, NULL on OOM. */
char *pods_text_log_label(const char *project, const char *service, const char *container);
/* The width of the labels: the longest service name + 3, as compose computes it. */
size_t pods_text_log_width(const char *const *services, size_t n);
/* "label<padding> | " (the label left-justified to width). */
void pods_text_log_prefix(struct strbuf *b, const char *label, size_t width);
/* "Attaching to a, b\n". */
void pods_text_attaching(struct strbuf *b, const char *const *containers, size_t n);

/* One container's step of a verb (berth_pod_do), error NULL when it went well. */
struct pods_step {
        char *container;
        char *error;
};
void pods_steps_done(struct pods_step *steps, size_t n);
/* Compose's parallel writer with its cursor moves left out: for each container
 * "<Verb> <c> ... \r\n" (names padded to the longest), then for each as it ended
 * "\r<Verb> <c> ... done\r" (or "error"), then "\nERROR: for <c>  <error>\n" for each
 * that failed. verb: "Pausing". */
void pods_text_steps(struct strbuf *b, const char *verb, const struct pods_step *steps, size_t n);
/* `down`, without the cursor moves: "Stopping <c> ... done\n" for each of stopped,
 * then "Removing <c> ... done\n" for each of removed, names padded to the longest. */
void pods_text_down(struct strbuf *b, const char *const *stopped, size_t n_stopped,
                    const char *const *removed, size_t n_removed);

/* A copy of len bytes with every byte that is not part of valid UTF-8 (and NUL) replaced
 * by U+FFFD, for a JSON string. NUL-terminated; *ret_len its length. NULL on OOM. */
char *pods_text_utf8(const char *s, size_t len, size_t *ret_len);

/* Every key of object o must be in allowed (NULL-terminated): -EINVAL naming all the
 * others and what is allowed ("unknown keys in the body: 'a', 'b' (allowed:
 * fileContents, recipes)"); what: "the body". */
int pods_check_keys(json_t *o, const char *what, const char *const *allowed,
                    struct berth_error *err);
