/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* exec, stats, logs, top and inspect of the docker engine: Docker's answers in the
 * engine's shapes (engine.h). */
#include "config.h"

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "docker-internal.h"
#include "fileio.h"
#include "macro.h"
#include "store.h"
#include "strv.h"
#include "json-util.h"

#define EXEC_TIMEOUT_MS_DEFAULT 10000
#define EXEC_OUTPUT_MAX_DEFAULT (1u << 20)
#define EXEC_END_WAIT_MS 2000

/* ---- exec ------------------------------------------------------------------------------- */

struct output {
        char *buf;
        size_t len, max, dropped;
};

static int collect(int stream, const char *data, size_t len, void *userdata)
{
        struct output *o = userdata;
        size_t n;
        char *b;

        if (stream != 1 && stream != 2)
                return 0;
        n = MIN(len, o->max - o->len);
        if (n > 0) {
                b = realloc(o->buf, o->len + n + 1);
                if (!b)
                        return -ENOMEM;
                o->buf = b;
                memcpy(o->buf + o->len, data, n);
                o->len += n;
                o->buf[o->len] = 0;
        }
        o->dropped += len - n;
        return 0;
}

static json_t *exec_body(const struct berth_exec *x)
{
        json_t *j = json_pack("{s:b, s:b, s:b, s:b, s:o}", "AttachStdin", 0, "AttachStdout", 1,
                              "AttachStderr", 1, "Tty", 0, "Cmd", berth_strv_to_json(x->args));
        char user[32];

        if (!j)
                return NULL;
        if (x->env && json_object_set_new(j, "Env", berth_strv_to_json(x->env)) < 0)
                return json_decref(j), NULL;
        if (x->cwd && json_object_set_new(j, "WorkingDir", json_string(x->cwd)) < 0)
                return json_decref(j), NULL;
        if (x->user_set) {
                (void)snprintf(user, sizeof(user), "%u:%u", (unsigned)x->uid, (unsigned)x->gid);
                if (json_object_set_new(j, "User", json_string(user)) < 0)
                        return json_decref(j), NULL;
        }
        return j;
}

/* GET /exec/{id}/json until it has ended (bounded): its exit code; its pid while it runs. */
static int exec_state(struct docker *dk, const char *eid, int wait_ms, int *ret_code,
                      pid_t *ret_pid)
{
        char path[160];
        int64_t end = monotonic_ms() + wait_ms;

        (void)snprintf(path, sizeof(path), "/exec/%s/json", eid);
        for (;;) {
                json_auto_t *j = NULL;
                int r = docker_call(dk->client, "GET", path, NULL, &j, NULL, "inspect exec");

                if (r < 0)
                        return r;
                *ret_pid = (pid_t)json_integer_value(json_object_get(j, "Pid"));
                if (!json_is_true(json_object_get(j, "Running"))) {
                        *ret_code = (int)json_integer_value(json_object_get(j, "ExitCode"));
                        return 0;
                }
                if (monotonic_ms() >= end)
                        return -EBUSY;
                (void)poll(NULL, 0, 20);
        }
}

/* Is the process of pidfd (pid) in the groups of Docker's container id? A berthd in
 * another pid namespace than dockerd's sees other processes under those numbers: only a
 * process of that container's is ever signalled. */
static bool in_container(int pidfd, pid_t pid, const char *id)
{
        _cleanup_free_ char *text = NULL;
        char path[64];

        (void)snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
        if (read_file(path, 1 << 16, &text, NULL) < 0 || !strstr(text, id))
                return false;
        /* Still alive after the read: the file was that process's. */
        return syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) == 0;
}

/* The deadline passed: the command is killed (Docker has no call for it; the exec's pid
 * is the host's), then waited for. */
static void exec_kill(struct docker *dk, const char *container, const char *eid)
{
        int code = -1, fd;
        pid_t pid = 0;

        if (exec_state(dk, eid, 0, &code, &pid) != -EBUSY || pid <= 0)
                return;
        fd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (fd < 0)
                return;
        if (in_container(fd, pid, container))
                (void)syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0);
        (void)close(fd);
        (void)exec_state(dk, eid, EXEC_END_WAIT_MS, &code, &pid);
}

int docker_exec(struct berth_engine *e, struct berth_container *c, const struct berth_exec *x,
                struct berth_exec_result *ret, struct berth_error *err)
{
        struct docker *dk = e->data;
        struct output out = { .max = x->output_max ? x->output_max : EXEC_OUTPUT_MAX_DEFAULT };
        struct docker_demux dm = { .fn = collect, .userdata = &out };
        json_auto_t *body = NULL, *created = NULL, *start = NULL;
        char path[160], eid[DOCKER_ID_LEN + 1];
        struct docker_reply reply = {};
        int r, code = -1;
        pid_t pid = 0;

        *ret = (struct berth_exec_result){ .exit_code = -1 };
        if (strv_length(x->args) == 0)
                return berth_error_set(err, EINVAL, "exec: a command is required");
        if (docker_need_id(c, err) < 0)
                return -ENOENT;
        body = exec_body(x);
        start = json_pack("{s:b, s:b}", "Detach", 0, "Tty", 0);
        if (!body || !start)
                return -ENOMEM;
        (void)snprintf(path, sizeof(path), "/containers/%s/exec", D(c)->id);
        r = docker_call(dk->client, "POST", path, body, &created, err, "exec in container %s",
                        c->name);
        if (r < 0)
                return r;
        (void)snprintf(eid, sizeof(eid), "%s",
                       json_string_value(json_object_get(created, "Id")) ?: "");
        if (strlen(eid) != DOCKER_ID_LEN)
                return berth_error_set(err, EIO, "docker: exec in container %s: no exec id",
                                       c->name);
        (void)snprintf(path, sizeof(path), "/exec/%s/start", eid);
        r = docker_request(
                dk->client,
                &(struct docker_request){
                        .method = "POST",
                        .path = path,
                        .json = start,
                        .on_data = docker_demux_data,
                        .userdata = &dm,
                        .timeout_ms = x->timeout_ms ? (long)x->timeout_ms : EXEC_TIMEOUT_MS_DEFAULT,
                },
                &reply, err);
        if (r >= 0 && r != 200)
                r = docker_error(&reply, err, "exec in container %s", c->name);
        if (r == -ETIMEDOUT && reply.timed_out) {
                berth_error_clear(err);
                exec_kill(dk, D(c)->id, eid);
                *ret = (struct berth_exec_result){ .exit_code = -1,
                                                   .signal = SIGKILL,
                                                   .timed_out = true };
        } else if (r >= 0) {
                r = exec_state(dk, eid, EXEC_END_WAIT_MS, &code, &pid);
                if (r < 0)
                        r = berth_error_set(err, -r, "docker: exec in container %s: no exit code",
                                            c->name);
                *ret = (struct berth_exec_result){ .exit_code = code };
        }
        docker_reply_done(&reply);
        if (r < 0 && !ret->timed_out) {
                free(out.buf);
                return r;
        }
        ret->output = out.buf ? out.buf : strdup("");
        ret->output_len = out.len;
        ret->output_dropped = out.dropped;
        if (!ret->output)
                return -ENOMEM;
        berth_container_log(c, "exec %s: %s %d%s", x->args[0],
                            ret->timed_out ? "signal" : "exit code",
                            ret->timed_out ? SIGKILL : ret->exit_code,
                            ret->timed_out ? " (killed at the deadline)" : "");
        return 0;
}

/* ---- stats --------------------------------------------------------------------------------- */

static bool get_u64(json_t *o, const char *key, uint64_t *ret)
{
        json_t *v = json_object_get(o, key);

        if (!json_is_integer(v) || json_integer_value(v) < 0)
                return false;
        *ret = (uint64_t)json_integer_value(v);
        return true;
}

int docker_stats(struct berth_engine *e, struct berth_container *c, struct berth_stats *ret,
                 struct berth_error *err)
{
        struct docker *dk = e->data;
        enum berth_container_state st;
        json_t *mem, *cpu, *pids;
        json_auto_t *j = NULL;
        char path[200];
        int r;

        *ret = (struct berth_stats){};
        pthread_mutex_lock(&dk->store->lock);
        st = c->state;
        pthread_mutex_unlock(&dk->store->lock);
        if (st != BERTH_CONTAINER_RUNNING && st != BERTH_CONTAINER_PAUSED &&
            st != BERTH_CONTAINER_STOPPING)
                return berth_error_set(err, EBUSY, "container %llu is %s: it has no stats",
                                       (unsigned long long)c->obj.id,
                                       berth_container_state_to_string(st));
        if (docker_need_id(c, err) < 0)
                return -ENOENT;
        /* one-shot: one sample, without the second one Docker waits a second for. */
        (void)snprintf(path, sizeof(path), "/containers/%s/stats?stream=false&one-shot=true",
                       D(c)->id);
        r = docker_call(dk->client, "GET", path, NULL, &j, err, "stats of container %s", c->name);
        if (r < 0)
                return r;
        mem = json_object_get(j, "memory_stats");
        cpu = json_object_get(json_object_get(j, "cpu_stats"), "cpu_usage");
        pids = json_object_get(j, "pids_stats");
        ret->memory_set = get_u64(mem, "usage", &ret->memory_bytes);
        if (ret->memory_set)
                (void)get_u64(mem, "limit", &ret->memory_limit);
        ret->cpu_set = get_u64(cpu, "total_usage", &ret->cpu_usage_ns);
        ret->pids_set = get_u64(pids, "current", &ret->pids);
        if (ret->pids_set)
                (void)get_u64(pids, "limit", &ret->pids_limit);
        return 0;
}

/* ---- logs ---------------------------------------------------------------------------------- */

struct follow {
        struct berth_store *s;
        struct berth_container *c;
};

/* Lines with their frame headers taken off: stdout's and stderr's each their own. */
struct log_demux {
        struct docker_lines out, err;
};

/* A stream's lines for the caller, with where they came from and when (the time is
 * Docker's RFC 3339 prefix, asked for with timestamps=1, and taken off the line). */
struct log_stream {
        int stream;
        struct berth_log_meta *meta;
        berth_log_line_fn fn;
        void *userdata;
};

/* "2026-12-04T18:10:00.123456789Z": seconds since the epoch, or 0. */
static double rfc3339_time(const char *s, size_t len)
{
        char buf[64], *end;
        struct tm tm = {};
        double frac = 0;

        if (len == 0 || len >= sizeof(buf))
                return 0;
        memcpy(buf, s, len);
        buf[len] = 0;
        end = strptime(buf, "%Y-%m-%dT%H:%M:%S", &tm);
        if (!end)
                return 0;
        if (*end == '.') {
                char *f = end;
                frac = strtod(f, &end);
        }
        if (!streq(end, "Z"))
                return 0;
        return (double)timegm(&tm) + frac;
}

static int stream_line(const char *line, size_t len, void *userdata)
{
        struct log_stream *ls = userdata;

        if (ls->meta) {
                const char *sp = memchr(line, ' ', len);
                double t = sp ? rfc3339_time(line, (size_t)(sp - line)) : 0;
                ls->meta->stream = ls->stream;
                ls->meta->time = t;
                if (t > 0) {
                        len -= (size_t)(sp + 1 - line);
                        line = sp + 1;
                }
        }
        return ls->fn(line, len, ls->userdata);
}

static int demux_line(int stream, const char *buf, size_t len, void *userdata)
{
        struct log_demux *m = userdata;

        if (stream == 2)
                return docker_lines_feed(&m->err, buf, len);
        return docker_lines_feed(&m->out, buf, len);
}

static bool delete_begun(void *userdata)
{
        struct follow *f = userdata;
        bool r;

        pthread_mutex_lock(&f->s->lock);
        r = f->c->deleting;
        pthread_mutex_unlock(&f->s->lock);
        return r;
}

int docker_logs(struct berth_engine *e, struct berth_container *c, const struct berth_logs_query *q,
                berth_log_line_fn fn, void *userdata, struct berth_error *err)
{
        struct docker *dk = e->data;
        struct follow f = { .s = dk->store, .c = c };
        struct log_stream out = { 1, q->meta, fn, userdata }, errs = { 2, q->meta, fn, userdata };
        struct log_demux lm = {
                .out = { .fn = stream_line, .userdata = &out },
                .err = { .fn = stream_line, .userdata = &errs },
        };
        struct docker_demux dm = { .fn = demux_line, .userdata = &lm };
        struct docker_reply reply = {};
        char path[200], tail[24];
        int r;

        if (docker_need_id(c, err) < 0)
                return -ENOENT;
        if (q->tail)
                (void)snprintf(tail, sizeof(tail), "%zu", q->tail);
        else
                (void)snprintf(tail, sizeof(tail), "all");
        (void)snprintf(path, sizeof(path), "/containers/%s/logs?stdout=1&stderr=1&tail=%s%s%s",
                       D(c)->id, tail, q->follow ? "&follow=1" : "",
                       q->meta ? "&timestamps=1" : "");
        r = docker_request(dk->client,
                           &(struct docker_request){
                                   .path = path,
                                   .on_data = docker_demux_data,
                                   .userdata = &dm,
                                   .should_stop = q->follow ? delete_begun : NULL,
                                   .stop_userdata = &f,
                                   .timeout_ms = q->follow ? 0 : 60000,
                           },
                           &reply, err);
        if (r >= 0 && r != 200)
                r = docker_error(&reply, err, "logs of container %s", c->name);
        else if (r >= 0 || r == -ECANCELED) {
                berth_error_clear(err);
                (void)docker_lines_flush(&lm.out);
                (void)docker_lines_flush(&lm.err);
                r = 0;
        }
        docker_reply_done(&reply);
        docker_lines_done(&lm.out);
        docker_lines_done(&lm.err);
        return r;
}

/* ---- top, inspect --------------------------------------------------------------------------- */

int docker_top(struct berth_engine *e, struct berth_container *c, json_t **ret,
               struct berth_error *err)
{
        struct docker *dk = e->data;
        char path[160];
        int r;

        *ret = NULL;
        if (docker_need_id(c, err) < 0)
                return -ENOENT;
        (void)snprintf(path, sizeof(path), "/containers/%s/top", D(c)->id);
        r = docker_call(dk->client, "GET", path, NULL, ret, err, "processes of container %s",
                        c->name);
        if (r >= 0 && !json_is_array(json_object_get(*ret, "Processes"))) {
                *ret = (json_decref(*ret), NULL);
                return berth_error_set(err, EIO, "docker: processes of container %s: no list",
                                       c->name);
        }
        return MIN(r, 0);
}

static json_t *ports_of(json_t *ports)
{
        json_t *a = json_array(), *bindings;
        const char *key;

        json_object_foreach (ports, key, bindings) {
                char proto[8] = "tcp";
                unsigned port = 0;
                size_t i;
                json_t *b;

                if (sscanf(key, "%u/%7s", &port, proto) < 1)
                        continue;
                json_array_foreach (bindings, i, b) {
                        const char *hp = json_string_value(json_object_get(b, "HostPort"));
                        json_t *p = json_pack("{s:s, s:i, s:i, s:s}", "host_ip",
                                              json_string_value(json_object_get(b, "HostIp")) ?: "",
                                              "host_port", hp ? atoi(hp) : 0, "port", (int)port,
                                              "proto", proto);
                        if (!p || json_array_append_new(a, p) < 0)
                                return json_decref(a), NULL;
                }
        }
        return a;
}

int docker_inspect(struct berth_engine *e, struct berth_container *c, json_t **ret,
                   struct berth_error *err)
{
        struct docker *dk = e->data;
        json_auto_t *j = NULL;
        json_t *st, *ports;
        char path[160];
        int r;

        *ret = NULL;
        if (docker_need_id(c, err) < 0)
                return -ENOENT;
        (void)snprintf(path, sizeof(path), "/containers/%s/json", D(c)->id);
        r = docker_call(dk->client, "GET", path, NULL, &j, err, "inspect container %s", c->name);
        if (r < 0)
                return r;
        st = json_object_get(j, "State");
        ports = ports_of(json_object_get(json_object_get(j, "NetworkSettings"), "Ports"));
        if (!ports)
                return -ENOMEM;
        *ret = json_pack(
                "{s:s, s:o, s:s?, s:I, s:s?, s:s?, s:s?}", "id", D(c)->id, "ports", ports, "health",
                json_string_value(json_object_get(json_object_get(st, "Health"), "Status")),
                "restart_count", (json_int_t)json_integer_value(json_object_get(j, "RestartCount")),
                "image", json_string_value(json_object_get(json_object_get(j, "Config"), "Image")),
                "status", json_string_value(json_object_get(st, "Status")), "name",
                json_string_value(json_object_get(j, "Name")));
        return *ret ? 0 : -ENOMEM;
}
