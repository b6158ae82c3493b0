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

#include "harness.h"
#include "macro.h"

static pid_t started_by; /* atexit handlers run in Check's forked tests too */
static char started_dir[64];
static char started_host[128];

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

/* Run argv (its output to /dev/null): its exit status, -1 when it could not be run. */
static int run(const char *const *argv)
{
        int status;
        pid_t pid = fork();

        if (pid < 0)
                return -1;
        if (pid == 0) {
                int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
                if (fd >= 0)
                        (void)dup2(fd, STDOUT_FILENO);
                execvp(argv[0], (char *const *)argv);
                _exit(127);
        }
        if (waitpid(pid, &status, 0) != pid)
                return -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
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

static void stop_dockerd(void)
{
        char script[512];

        if (!started_dir[0] || getpid() != started_by)
                return;
        (void)run((const char *[]){ dockerd_script(script, sizeof(script)), "stop", started_dir,
                                    NULL });
        test_rm_rf(started_dir);
        started_dir[0] = 0;
}

/* The engines of test programs that were killed before their exit (a timeout): each in
 * /var/tmp/bdk-<pid> of a program that is gone. */
static void stop_stale(void)
{
        char script[512], path[64];
        struct dirent *de;
        DIR *d = opendir("/var/tmp");

        while (d && (de = readdir(d))) {
                char *end;
                long pid;

                if (strncmp(de->d_name, "bdk-", 4) != 0)
                        continue;
                pid = strtol(de->d_name + 4, &end, 10);
                if (*end || end == de->d_name + 4 || pid <= 0 || kill((pid_t)pid, 0) == 0 ||
                    errno != ESRCH)
                        continue;
                (void)snprintf(path, sizeof(path), "/var/tmp/%s", de->d_name);
                (void)run((const char *[]){ dockerd_script(script, sizeof(script)), "stop", path,
                                            NULL });
                test_rm_rf(path);
        }
        if (d)
                closedir(d);
}

int test_docker_host(char *buf, size_t size)
{
        const char *env = getenv("BERTH_TEST_DOCKER_HOST");
        char script[512];

        if (env && env[0]) {
                (void)snprintf(buf, size, "%s", env);
                return engine_call(env, "GET", "/_ping", NULL) == 200 ? 0 : -EHOSTDOWN;
        }
        if (started_dir[0]) {
                (void)snprintf(buf, size, "%s", started_host);
                return 0;
        }
        if (geteuid() != 0)
                return -EPERM;
        stop_stale();
        /* Short, and not under /var/tmp/berth-*, which the harness's sweeps unmount. */
        (void)snprintf(started_dir, sizeof(started_dir), "/var/tmp/bdk-%d", (int)getpid());
        if (mkdir(started_dir, 0700) < 0 && errno != EEXIST) {
                started_dir[0] = 0;
                return -errno;
        }
        started_by = getpid();
        if (run((const char *[]){ dockerd_script(script, sizeof(script)), "start", started_dir,
                                  NULL }) != 0) {
                stop_dockerd();
                return -EHOSTDOWN;
        }
        (void)snprintf(started_host, sizeof(started_host), "unix://%s/docker.sock", started_dir);
        (void)atexit(stop_dockerd);
        (void)snprintf(buf, size, "%s", started_host);
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

/* ---- the suite's registry -------------------------------------------------------------- */

static pid_t registry_started_by;
static char registry_dir[64];
static char registry_addr[64];

static const char *registry_script(char *buf, size_t size)
{
        return src_path("contrib/registry.sh", buf, size);
}

/* GET http://addr/v2/ answers 200. */
static bool registry_answers(const char *addr)
{
        char url[200];
        long status = 0;
        CURL *c = curl_easy_init();

        if (!c)
                return false;
        (void)snprintf(url, sizeof(url), "http://%s/v2/", addr);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
        if (curl_easy_perform(c) == CURLE_OK)
                curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_cleanup(c);
        return status == 200;
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

/* The registries of test programs that were killed before their exit: each in
 * /var/tmp/breg-<pid> of a program that is gone. */
static void stop_stale_registries(void)
{
        char script[512], path[64];
        struct dirent *de;
        DIR *d = opendir("/var/tmp");

        while (d && (de = readdir(d))) {
                char *end;
                long pid;

                if (strncmp(de->d_name, "breg-", 5) != 0)
                        continue;
                pid = strtol(de->d_name + 5, &end, 10);
                if (*end || end == de->d_name + 5 || pid <= 0 || kill((pid_t)pid, 0) == 0 ||
                    errno != ESRCH)
                        continue;
                (void)snprintf(path, sizeof(path), "/var/tmp/%s", de->d_name);
                (void)run((const char *[]){ registry_script(script, sizeof(script)), "stop", path,
                                            NULL });
                test_rm_rf(path);
        }
        if (d)
                closedir(d);
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
        stop_stale_registries();
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
