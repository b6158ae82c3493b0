/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The suite's Docker engine: the one contrib/run-tests.sh started (BERTH_TEST_DOCKER_HOST),
 * or one of this test program's own (contrib/dockerd.sh in a short directory under
 * /var/tmp, for its unix sockets), stopped and removed when the program exits. Images
 * come in from the busybox test rootfs through the Engine API (nothing is pulled). These
 * run in main() and at exit, outside any test: no ck_* call here (Check's assertions
 * exit the program there), hence a run() of its own beside test_run().
 */
#include "config.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "docker.h"
#include "error.h"
#include "harness.h"
#include "macro.h"

/* An engine this program started (atexit handlers run in Check's forked tests too: only
 * the program that started it stops it). */
struct started {
        pid_t by;
        char dir[64];
        char host[128];
};
static struct started engine, node;

static size_t discard(char *data, size_t size, size_t nmemb, void *userdata)
{
        (void)data, (void)userdata;
        return size * nmemb;
}

/* One call to the engine at host: the HTTP status, 0 when it does not answer. */
static long engine_call(const char *host, const char *method, const char *path, const char *upload)
{
        char url[1024];
        struct curl_slist *h = NULL;
        FILE *f = NULL;
        long status = 0;
        struct stat st;
        CURL *c;

        if (strncmp(host, "unix://", 7) != 0)
                return 0;
        c = curl_easy_init();
        if (!c)
                return 0;
        (void)snprintf(url, sizeof(url), "http://docker/v1.41%s", path);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, host + 7);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 120000L);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
        if (upload) {
                f = fopen(upload, "re");
                if (!f || fstat(fileno(f), &st) < 0) {
                        if (f)
                                fclose(f);
                        curl_easy_cleanup(c);
                        return 0;
                }
                h = curl_slist_append(h, "Content-Type: application/x-tar");
                curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
                curl_easy_setopt(c, CURLOPT_POST, 1L);
                curl_easy_setopt(c, CURLOPT_READDATA, f);
                curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)st.st_size);
        } else if (!streq(method, "GET"))
                curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        if (curl_easy_perform(c) == CURLE_OK)
                curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        curl_slist_free_all(h);
        curl_easy_cleanup(c);
        if (f)
                fclose(f);
        return status;
}

/* Run argv (its output, and its errors when quiet, to /dev/null): its exit status, -1
 * when it could not be run. */
static int run_quiet(const char *const *argv, bool quiet)
{
        int status;
        pid_t pid = fork();

        if (pid < 0)
                return -1;
        if (pid == 0) {
                int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
                if (fd >= 0)
                        (void)dup2(fd, STDOUT_FILENO);
                if (fd >= 0 && quiet)
                        (void)dup2(fd, STDERR_FILENO);
                execvp(argv[0], (char *const *)argv);
                _exit(127);
        }
        if (waitpid(pid, &status, 0) != pid)
                return -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int run(const char *const *argv)
{
        return run_quiet(argv, false);
}

static const char *src_path(const char *rel, char *buf, size_t size)
{
        const char *src = getenv("BERTH_SRCDIR");

        (void)snprintf(buf, size, "%s/%s", src ? src : ".", rel);
        return buf;
}

static const char *dockerd_script(char *buf, size_t size)
{
        return src_path("contrib/dockerd.sh", buf, size);
}

static void stop_started(struct started *e)
{
        char script[512];

        if (!e->dir[0] || getpid() != e->by)
                return;
        (void)run((const char *[]){ dockerd_script(script, sizeof(script)), "stop", e->dir, NULL });
        test_rm_rf(e->dir);
        e->dir[0] = 0;
}

static void stop_engine(void)
{
        stop_started(&engine);
}

static void stop_node(void)
{
        stop_started(&node);
}

/* What test programs that were killed before their exit (a timeout) left: each in
 * /var/tmp/<prefix><pid> (one of prefixes, NULL-terminated) of a program that is gone,
 * stopped with script (its "stop DIR") and removed. */
static void stop_stale(const char *script, const char *const *prefixes)
{
        char path[64];
        struct dirent *de;
        DIR *d = opendir("/var/tmp");

        while (d && (de = readdir(d))) {
                const char *const *p = prefixes;
                const char *num;
                char *end;
                long pid;

                while (*p && strncmp(de->d_name, *p, strlen(*p)) != 0)
                        p++;
                if (!*p)
                        continue;
                num = de->d_name + strlen(*p);
                pid = strtol(num, &end, 10);
                if (*end || end == num || pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
                        continue;
                (void)snprintf(path, sizeof(path), "/var/tmp/%s", de->d_name);
                (void)run((const char *[]){ script, "stop", path, NULL });
                test_rm_rf(path);
        }
        if (d)
                closedir(d);
}

/* The engines: /var/tmp/bdk-<pid> (test_docker_host()) and bdn-<pid> (test_docker_node()). */
static void stop_stale_engines(void)
{
        char script[512];

        stop_stale(dockerd_script(script, sizeof(script)),
                   (const char *const[]){ "bdk-", "bdn-", NULL });
}

/* contrib/dockerd.sh start /var/tmp/<prefix>-<pid> [extra...] as e; stop at exit. */
static int start_engine(struct started *e, const char *prefix, const char *const *extra,
                        void (*at_exit)(void))
{
        const char *argv[16];
        char script[512];
        size_t n = 0;

        if (geteuid() != 0)
                return -EPERM;
        stop_stale_engines();
        /* Short, and not under /var/tmp/berth-*, which the harness's sweeps unmount. */
        (void)snprintf(e->dir, sizeof(e->dir), "/var/tmp/%s-%d", prefix, (int)getpid());
        if (mkdir(e->dir, 0700) < 0 && errno != EEXIST) {
                e->dir[0] = 0;
                return -errno;
        }
        e->by = getpid();
        argv[n++] = dockerd_script(script, sizeof(script));
        argv[n++] = "start";
        argv[n++] = e->dir;
        for (; extra && *extra && n < ELEMENTSOF(argv) - 1; extra++)
                argv[n++] = *extra;
        argv[n] = NULL;
        if (run(argv) != 0) {
                stop_started(e);
                return -EHOSTDOWN;
        }
        (void)snprintf(e->host, sizeof(e->host), "unix://%s/docker.sock", e->dir);
        (void)atexit(at_exit);
        return 0;
}

int test_docker_host(char *buf, size_t size)
{
        const char *env = getenv("BERTH_TEST_DOCKER_HOST");
        int r;

        if (env && env[0]) {
                (void)snprintf(buf, size, "%s", env);
                return engine_call(env, "GET", "/_ping", NULL) == 200 ? 0 : -EHOSTDOWN;
        }
        if (!engine.dir[0]) {
                r = start_engine(&engine, "bdk", NULL, stop_engine);
                if (r < 0)
                        return r;
        }
        (void)snprintf(buf, size, "%s", engine.host);
        return 0;
}

/* openssl with argv (its chatter, errors too, to /dev/null): 0 or -EIO. */
static int openssl(const char *const *args)
{
        const char *argv[24] = { "openssl" };
        size_t n = 1;

        for (; *args && n < ELEMENTSOF(argv) - 1; args++)
                argv[n++] = *args;
        argv[n] = NULL;
        return run_quiet(argv, true) == 0 ? 0 : -EIO;
}

/* A CA in dir (ca.pem, ca-key.pem), and a certificate it signs: name-key.pem and
 * name-cert.pem, for ip (a server) or a client (ip NULL). */
static int make_ca(const char *dir)
{
        char key[300], crt[300];

        (void)snprintf(key, sizeof(key), "%s/ca-key.pem", dir);
        (void)snprintf(crt, sizeof(crt), "%s/ca.pem", dir);
        return openssl((const char *[]){
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", key, "-out", crt, "-days", "2", "-subj", "/CN=berth-test-ca", NULL });
}

static int make_cert(const char *dir, const char *name, const char *ip)
{
        char key[300], csr[300], crt[300], ext[300], ca[300], cakey[300], subj[100];
        FILE *f;
        int r;

        (void)snprintf(key, sizeof(key), "%s/%s-key.pem", dir, name);
        (void)snprintf(csr, sizeof(csr), "%s/%s.csr", dir, name);
        (void)snprintf(crt, sizeof(crt), "%s/%s-cert.pem", dir, name);
        (void)snprintf(ext, sizeof(ext), "%s/%s.ext", dir, name);
        (void)snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
        (void)snprintf(cakey, sizeof(cakey), "%s/ca-key.pem", dir);
        (void)snprintf(subj, sizeof(subj), "/CN=%s", ip ? ip : name);
        f = fopen(ext, "we");
        if (!f)
                return -errno;
        if (ip)
                fprintf(f, "subjectAltName=IP:%s\nextendedKeyUsage=serverAuth\n", ip);
        else
                fprintf(f, "extendedKeyUsage=clientAuth\n");
        fclose(f);
        r = openssl((const char *[]){ "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                                      "-nodes", "-keyout", key, "-out", csr, "-subj", subj, NULL });
        if (r >= 0)
                r = openssl((const char *[]){ "x509", "-req", "-in", csr, "-CA", ca, "-CAkey",
                                              cakey, "-CAcreateserial", "-out", crt, "-days", "2",
                                              "-extfile", ext, NULL });
        return r;
}

/* A client's TLS directory as Docker's client keeps one: ca.pem, cert.pem, key.pem. */
static int client_dir(const char *cadir, const char *name, const char *out)
{
        const char *pairs[][2] = { { "ca.pem", "ca.pem" },
                                   { "cert.pem", "-cert.pem" },
                                   { "key.pem", "-key.pem" } };
        char from[300], to[300];

        if (mkdir(out, 0700) < 0 && errno != EEXIST)
                return -errno;
        for (size_t i = 0; i < ELEMENTSOF(pairs); i++) {
                if (i == 0)
                        (void)snprintf(from, sizeof(from), "%s/ca.pem", cadir);
                else
                        (void)snprintf(from, sizeof(from), "%s/%s%s", cadir, name, pairs[i][1]);
                (void)snprintf(to, sizeof(to), "%s/%s", out, pairs[i][0]);
                if (link(from, to) < 0 && errno != EEXIST)
                        return -errno;
        }
        return 0;
}

int test_docker_node(const char *hostname, const char *tls_ip, const char *tls_port,
                     struct test_docker_node *ret)
{
        char dir[64], tls[200], rogue[200], addr[80], gw[16];
        int r;

        *ret = (struct test_docker_node){};
        if (node.dir[0])
                return -EBUSY;
        if (geteuid() != 0)
                return -EPERM;
        /* The directory first (its certificates go there), then the engine in it. */
        stop_stale_engines();
        (void)snprintf(dir, sizeof(dir), "/var/tmp/bdn-%d", (int)getpid());
        (void)snprintf(tls, sizeof(tls), "%s/tls", dir);
        (void)snprintf(rogue, sizeof(rogue), "%s/tls/rogue", dir);
        test_rm_rf(dir);
        if (mkdir(dir, 0700) < 0 || mkdir(tls, 0700) < 0 || mkdir(rogue, 0700) < 0)
                return -errno;
        (void)snprintf(ret->client_tls, sizeof(ret->client_tls), "%s/client", tls);
        (void)snprintf(ret->rogue_tls, sizeof(ret->rogue_tls), "%s/rogue-client", tls);
        r = make_ca(tls);
        if (r >= 0)
                r = make_cert(tls, "server", tls_ip);
        if (r >= 0)
                r = make_cert(tls, "client", NULL);
        if (r >= 0)
                r = make_ca(rogue);
        if (r >= 0)
                r = make_cert(rogue, "client", NULL);
        if (r >= 0)
                r = client_dir(tls, "client", ret->client_tls);
        if (r >= 0)
                r = client_dir(rogue, "client", ret->rogue_tls);
        (void)snprintf(addr, sizeof(addr), "%s:%s", tls_ip, tls_port);
        (void)snprintf(gw, sizeof(gw), "bgw-%d", (int)getpid());
        if (r >= 0)
                r = start_engine(&node, "bdn",
                                 (const char *[]){ "--hostname", hostname, "--tls", addr, tls,
                                                   "--gwbridge", gw, NULL },
                                 stop_node);
        if (r < 0) {
                test_rm_rf(dir);
                return r;
        }
        (void)snprintf(ret->host, sizeof(ret->host), "%s", node.host);
        (void)snprintf(ret->tcp, sizeof(ret->tcp), "tcp://%s", addr);
        return 0;
}

int test_docker_busybox_image(const char *host, const char *ref)
{
        const char *colon = strrchr(ref, ':');
        char path[600], rootfs[600], tar[700], sqsh[700], script[512], repo[256], tag[128];
        char *dir = NULL;
        long status;

        (void)snprintf(path, sizeof(path), "/images/%s/json", ref);
        if (engine_call(host, "GET", path, NULL) == 200)
                return 0;
        if (colon && !strchr(colon, '/')) {
                (void)snprintf(repo, sizeof(repo), "%.*s", (int)(colon - ref), ref);
                (void)snprintf(tag, sizeof(tag), "%s", colon + 1);
        } else {
                (void)snprintf(repo, sizeof(repo), "%s", ref);
                (void)snprintf(tag, sizeof(tag), "latest");
        }
        /* The busybox test image (contrib/mkimage-busybox.sh), unpacked, as a tar. */
        if (asprintf(&dir, "%s/berth-dimage-XXXXXX",
                     getenv("TMPDIR") && getenv("TMPDIR")[0] ? getenv("TMPDIR") : "/var/tmp") < 0)
                return -ENOMEM;
        if (!mkdtemp(dir)) {
                free(dir);
                return -errno;
        }
        (void)snprintf(sqsh, sizeof(sqsh), "%s/busybox.sqsh", dir);
        (void)snprintf(rootfs, sizeof(rootfs), "%s/rootfs", dir);
        (void)snprintf(tar, sizeof(tar), "%s/rootfs.tar", dir);
        if (run((const char *[]){ src_path("contrib/mkimage-busybox.sh", script, sizeof(script)),
                                  sqsh, NULL }) != 0 ||
            run((const char *[]){ "unsquashfs", "-no-progress", "-quiet", "-no-xattrs", "-d",
                                  rootfs, sqsh, NULL }) != 0 ||
            run((const char *[]){ "tar", "--numeric-owner", "-C", rootfs, "-cf", tar, ".",
                                  NULL }) != 0) {
                test_rm_rf(dir);
                free(dir);
                return -EIO;
        }
        /* CMD ["sh"], as the Hub's busybox has. */
        (void)snprintf(path, sizeof(path),
                       "/images/create?fromSrc=-&repo=%s&tag=%s&changes=CMD%%20%%5B%%22sh%%22%%5D",
                       repo, tag);
        status = engine_call(host, "POST", path, tar);
        test_rm_rf(dir);
        free(dir);
        if (status != 200)
                return -EIO;
        (void)snprintf(path, sizeof(path), "/images/%s/json", ref);
        return engine_call(host, "GET", path, NULL) == 200 ? 0 : -EIO;
}

struct berth_engine *test_docker_engine(const char *host, const char *owner)
{
        struct berth_error err = {};
        struct berth_engine *e = NULL;

        if (berth_docker_engine_new(NULL,
                                    &(struct berth_docker_config){ .host = host, .owner = owner },
                                    &e, &err) < 0) {
                fprintf(stderr, "%s: engine at %s: %s\n", owner, host, err.msg);
                return NULL;
        }
        return e;
}

int test_docker_need(const char *program, char *host, size_t host_size, const char *image,
                     char *registry, size_t registry_size)
{
        int skip = getenv("BERTH_TESTS_MUST_RUN") ? 1 : 77;

        if (test_docker_host(host, host_size) < 0 || test_docker_busybox_image(host, image) < 0) {
                fprintf(stderr, "%s: no docker engine\n", program);
                return skip;
        }
        if (registry && test_registry(registry, registry_size) < 0) {
                fprintf(stderr, "%s: no registry (apt-get install docker-registry)\n", program);
                return skip;
        }
        return 0;
}

/* ---- the suite's registry -------------------------------------------------------------- */

static pid_t registry_started_by;
static char registry_dir[64];
static char registry_addr[64];

static const char *registry_script(char *buf, size_t size)
{
        return src_path("contrib/registry.sh", buf, size);
}

long test_registry_call(const char *addr, const char *method, const char *path)
{
        char url[600];
        long status = 0;
        CURL *c = curl_easy_init();

        if (!c)
                return 0;
        (void)snprintf(url, sizeof(url), "http://%s/v2/%s", addr, path);
        curl_easy_setopt(c, CURLOPT_URL, url);
        if (!streq(method, "GET"))
                curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
        if (curl_easy_perform(c) == CURLE_OK)
                curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_cleanup(c);
        return status;
}

/* GET http://addr/v2/ answers 200. */
static bool registry_answers(const char *addr)
{
        return test_registry_call(addr, "GET", "") == 200;
}

static void stop_registry(void)
{
        char script[512];

        if (!registry_dir[0] || getpid() != registry_started_by)
                return;
        (void)run((const char *[]){ registry_script(script, sizeof(script)), "stop", registry_dir,
                                    NULL });
        test_rm_rf(registry_dir);
        registry_dir[0] = 0;
}

int test_registry(char *buf, size_t size)
{
        const char *env = getenv("BERTH_TEST_REGISTRY");
        char script[512], path[128];
        FILE *f;

        if (env && env[0]) {
                (void)snprintf(buf, size, "%s", env);
                return registry_answers(env) ? 0 : -EHOSTDOWN;
        }
        if (registry_dir[0]) {
                (void)snprintf(buf, size, "%s", registry_addr);
                return 0;
        }
        stop_stale(registry_script(script, sizeof(script)), (const char *const[]){ "breg-", NULL });
        (void)snprintf(registry_dir, sizeof(registry_dir), "/var/tmp/breg-%d", (int)getpid());
        if (mkdir(registry_dir, 0700) < 0 && errno != EEXIST) {
                registry_dir[0] = 0;
                return -errno;
        }
        registry_started_by = getpid();
        if (run((const char *[]){ registry_script(script, sizeof(script)), "start", registry_dir,
                                  NULL }) != 0) {
                stop_registry();
                return -EHOSTDOWN;
        }
        (void)atexit(stop_registry);
        /* registry.sh writes the address it serves on there. */
        (void)snprintf(path, sizeof(path), "%s/address", registry_dir);
        f = fopen(path, "re");
        if (!f || !fgets(registry_addr, sizeof(registry_addr), f)) {
                if (f)
                        fclose(f);
                stop_registry();
                return -EIO;
        }
        fclose(f);
        registry_addr[strcspn(registry_addr, "\n")] = 0;
        if (!registry_answers(registry_addr)) {
                stop_registry();
                return -EHOSTDOWN;
        }
        (void)snprintf(buf, size, "%s", registry_addr);
        return 0;
}
