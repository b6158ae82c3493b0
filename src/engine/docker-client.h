/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "macro.h"

struct berth_error;

/*
 * The Docker Engine API (v1.41) over the engine's unix socket (or TCP with TLS, for
 * another node's engine), with libcurl: one easy
 * handle per call, so that any number of threads call at once. Timeouts: 2 s to
 * connect, 60 s for a plain call, none for a stream (events, logs that follow, build,
 * exec, a stop that waits).
 *
 * Errors: an engine that does not answer is -EHOSTDOWN, "the docker engine at
 * unix:///… does not answer: <curl's reason>"; Docker's own error ({"message"}) keeps
 * its words behind what was being done ("docker: create container x: Conflict. …"),
 * its status mapped: 404 -ENOENT, 409 -EEXIST (a name in use) or -EBUSY, 400 -EINVAL,
 * 5xx -EIO. docker_client_cancel_all() ends every call under way, at once (their
 * sockets are shut down), and fails later ones with -ECANCELED.
 */
struct docker_client;

/* host: unix:///PATH (NULL: /var/run/docker.sock). */
int docker_client_new(const char *host, struct docker_client **ret, struct berth_error *err);
/* Also tcp://HOST:PORT, which needs tls_dir: ca.pem (the CA that signed the engine's
 * certificate, whose name or address must be HOST), cert.pem and key.pem (berthd's
 * client certificate), as Docker's own client keeps them (DOCKER_CERT_PATH). In clear
 * text, never: -EINVAL. */
int docker_client_new_tls(const char *host, const char *tls_dir, struct docker_client **ret,
                          struct berth_error *err);
struct docker_client *docker_client_free(struct docker_client *d);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct docker_client *, docker_client_free);
/* "unix:///path" (or "tcp://host:port") and "/path" (NULL over TCP). */
const char *docker_client_host(const struct docker_client *d);
const char *docker_client_socket(const struct docker_client *d);
void docker_client_cancel_all(struct docker_client *d);
void docker_client_counters(struct docker_client *d, uint64_t *calls, uint64_t *errors);

/* Data of a 2xx answer as it comes; < 0 ends the call (docker_request() then
 * returns that status as if the answer had ended). */
typedef int (*docker_data_fn)(const char *buf, size_t len, void *userdata);

struct docker_request {
        const char *method; /* NULL: GET */
        const char *path;   /* after the version: "/containers/json?all=1" (escaped) */
        json_t *json;       /* a JSON body, or NULL */
        /* Or a raw body: from memory (data, size) or a file (upload_path). */
        const char *content_type;
        const void *data;
        size_t size;
        const char *upload_path;
        /* A stream: no total timeout, data to on_data (the answer's body is then not
         * kept, unless the status is not 2xx). */
        docker_data_fn on_data;
        void *userdata;
        /* Asked at least once a second (with stop_userdata, else userdata): true ends
         * the call (-ECANCELED). */
        bool (*should_stop)(void *userdata);
        void *stop_userdata;
        long timeout_ms; /* 0: 60 s for a call, none for a stream */
        /* Extra header lines ("X-Registry-Auth: e30="), NULL-terminated; may be NULL. */
        const char *const *headers;
};

struct docker_reply {
        long status;
        char *body; /* NUL-terminated (empty when none) */
        size_t len;
        json_t *json; /* the body parsed, NULL when it is not JSON */
        bool timed_out;
};
void docker_reply_done(struct docker_reply *r);

/* The HTTP status (>= 100), whatever it is; -EHOSTDOWN, -ECANCELED (should_stop or
 * cancel_all), -ETIMEDOUT, -ENOMEM, -EIO with err set. */
int docker_request(struct docker_client *d, const struct docker_request *q,
                   struct docker_reply *ret, struct berth_error *err);

/* Docker's answer as an error: status mapped, its message behind "docker: <what>".
 * Always < 0. */
int docker_error(const struct docker_reply *r, struct berth_error *err, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* A JSON call that must answer 2xx (or 304, which it returns): the status, or < 0 with
 * err set ("docker: <what>: …"). *ret gets the parsed body (may be NULL). */
int docker_call(struct docker_client *d, const char *method, const char *path, json_t *body,
                json_t **ret, struct berth_error *err, const char *fmt, ...)
        __attribute__((format(printf, 7, 8)));

/* A URL-escaped copy of s (for a query), NULL on OOM. */
char *docker_escape(const char *s);

/* ---- the streams' shapes ---------------------------------------------------------- */

/* Newline-delimited JSON (events, build, pull and import progress): fn gets each
 * object. An object with "error" or "errorDetail" fails the stream (-EIO with its
 * message), unless scan_errors is false. */
struct docker_ndjson {
        char *buf;
        size_t len, cap;
        bool scan_errors;
        int (*fn)(json_t *obj, void *userdata);
        void *userdata;
        int error;     /* < 0 once an object said so */
        char msg[400]; /* its message */
};
int docker_ndjson_feed(struct docker_ndjson *n, const char *data, size_t len);
void docker_ndjson_done(struct docker_ndjson *n);
/* A docker_data_fn for a struct docker_ndjson. */
int docker_ndjson_data(const char *buf, size_t len, void *userdata);

/* The multiplexed frames of logs and exec (8-byte header: stream, 0, 0, 0, length
 * big-endian): fn gets each frame's payload with its stream (1 stdout, 2 stderr), in
 * pieces as it comes. raw: no frames (a container with a TTY), all stdout. */
struct docker_demux {
        bool raw;
        unsigned char hdr[8];
        size_t hdr_len;
        uint32_t left; /* of the current frame's payload */
        int stream;
        int (*fn)(int stream, const char *buf, size_t len, void *userdata);
        void *userdata;
};
int docker_demux_feed(struct docker_demux *m, const char *data, size_t len);
int docker_demux_data(const char *buf, size_t len, void *userdata);

/* Lines out of pieces (a log): fn gets each line without its newline; flush gives the
 * last one when it had none. A line longer than 64 KiB is cut there. */
struct docker_lines {
        char *buf;
        size_t len, cap;
        int (*fn)(const char *line, size_t len, void *userdata);
        void *userdata;
};
int docker_lines_feed(struct docker_lines *l, const char *data, size_t len);
int docker_lines_flush(struct docker_lines *l);
void docker_lines_done(struct docker_lines *l);
