/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A running container's OOM kills, told as they happen (the "oom" event), not only when
 * it ends (native-watch.c tells those it has not). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "native-internal.h"
#include "store.h"
#include "supervisor.h"

void native_oom_arm(struct berth_container *c)
{
        if (!N(c)->cg || N(c)->oom_fd >= 0)
                return;
        N(c)->oom_fd = berth_cgroup_oom_watch(N(c)->cg);
        if (N(c)->oom_fd < 0)
                log_debug("Container %llu: no OOM notification: %s", (unsigned long long)c->obj.id,
                          strerror(-N(c)->oom_fd));
}

void native_watch_oom(struct berth_container *c)
{
        native_oom_arm(c);
        if (N(c)->oom_fd >= 0 && berth_supervisor_watch(NAT(c)->supervisor, N(c)->oom_fd,
                                                        NAT(c)->watch_oom, c->obj.id) < 0)
                N(c)->oom_fd = safe_close(N(c)->oom_fd);
}

void native_handle_oom(void *userdata, uint64_t id)
{
        struct berth_store *s = userdata;
        struct berth_container *c;
        _cleanup_free_ char *memory = NULL;
        bool v2, news = false;
        uint64_t ooms = 0, seen;

        pthread_mutex_lock(&s->lock);
        c = berth_container_lookup_locked(s, id);
        if (!c || N(c)->oom_fd < 0 || N(c)->exit_handled || !N(c)->cg) {
                pthread_mutex_unlock(&s->lock);
                return;
        }
        berth_cgroup_oom_watch_ack(N(c)->oom_fd);
        memory = N(c)->cg->memory ? strdup(N(c)->cg->memory) : NULL;
        v2 = N(c)->cg->memory_v2;
        seen = MAX(N(c)->oom_seen, N(c)->oom_base);
        N(c)->busy++;
        pthread_mutex_unlock(&s->lock);

        /* v1 tells of the OOM before its killer has run: give it a moment. */
        for (int i = 0; i < 20; i++) {
                news = memory && berth_cgroup_oom_kills_at(memory, v2, &ooms) >= 0;
                if (!news || ooms > seen)
                        break;
                (void)usleep(5000);
        }
        pthread_mutex_lock(&s->lock);
        news = news && ooms > N(c)->oom_seen && ooms > N(c)->oom_base;
        if (news)
                N(c)->oom_seen = ooms;
        pthread_mutex_unlock(&s->lock);
        if (news) {
                berth_container_log(c,
                                    "out of memory: the OOM killer killed a process (%llu "
                                    "so far)",
                                    (unsigned long long)(ooms - N(c)->oom_base));
                berth_container_publish(s, c, "oom");
        }
        native_unbusy(s, c);
}
