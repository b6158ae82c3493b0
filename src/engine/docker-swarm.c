/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* (being written) */
extern int berth_stub_docker_swarm;
