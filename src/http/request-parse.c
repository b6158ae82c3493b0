/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "macro.h"
#include "request-parse.h"

/* RFC 9110 token characters. */
static bool is_token(const char *s)
{
        static const char extra[] = "!#$%&'*+-.^_`|~";

        if (!*s)
                return false;
        for (; *s; s++)
                if (!isalnum((unsigned char)*s) && !strchr(extra, *s))
                        return false;
        return true;
}

static bool has_ctl(const char *s)
{
        for (; *s; s++)
                if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
                        return true;
        return false;
}

/* The next line of *p (ending in LF, or CRLF), NUL-terminated in place; NULL at the end
 * of the buffer. */
static char *next_line(char **p)
{
        char *line = *p, *nl;

        if (!line || !*line)
                return NULL;
        nl = strchr(line, '\n');
        if (nl) {
                *nl = 0;
                *p = nl + 1;
        } else
                *p = line + strlen(line);
        if (nl && nl > line && nl[-1] == '\r')
                nl[-1] = 0;
        return line;
}

static int parse_request_line(char *line, struct berth_http_head *h)
{
        char *sp1 = strchr(line, ' '), *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
        const char *version;

        if (!sp1 || !sp2 || strchr(sp2 + 1, ' '))
                return -EBADMSG;
        *sp1 = *sp2 = 0;
        version = sp2 + 1;
        if (!is_token(line) || !sp1[1] || has_ctl(sp1 + 1))
                return -EBADMSG;
        if (streq(version, "HTTP/1.1"))
                h->http11 = true;
        else if (!streq(version, "HTTP/1.0"))
                return -EBADMSG;
        h->method = line;
        h->target = sp1 + 1;
        return 0;
}

int berth_http_head_parse(char *head, struct berth_http_head *h)
{
        char *p = head, *line;
        int r;

        *h = (struct berth_http_head){};
        line = next_line(&p);
        if (!line)
                return -EBADMSG;
        r = parse_request_line(line, h);
        if (r < 0)
                return r;
        while ((line = next_line(&p))) {
                char *colon, *v, *e;

                if (!*line)
                        break; /* the empty line: the end of the head */
                /* Folded lines (obs-fold) and names with spaces are refused. */
                if (*line == ' ' || *line == '\t')
                        return -EBADMSG;
                colon = strchr(line, ':');
                if (!colon || colon == line)
                        return -EBADMSG;
                *colon = 0;
                if (!is_token(line))
                        return -EBADMSG;
                for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
                        ;
                for (e = v + strlen(v); e > v && (e[-1] == ' ' || e[-1] == '\t'); e--)
                        e[-1] = 0;
                if (has_ctl(v))
                        return -EBADMSG;
                if (h->n_headers >= BERTH_HTTP_HEADERS_MAX)
                        return -E2BIG;
                h->headers[h->n_headers++] = (struct berth_http_header){ line, v };
        }
        return 0;
}

const char *berth_http_head_get(const struct berth_http_head *h, const char *name)
{
        for (size_t i = 0; i < h->n_headers; i++)
                if (strcasecmp(h->headers[i].name, name) == 0)
                        return h->headers[i].value;
        return NULL;
}

static int parse_length(const char *s, long long *ret)
{
        long long v = 0;

        if (!*s)
                return -EBADMSG;
        for (; *s; s++) {
                if (!isdigit((unsigned char)*s))
                        return -EBADMSG;
                if (v > (1ll << 50))
                        return -EBADMSG;
                v = v * 10 + (*s - '0');
        }
        *ret = v;
        return 0;
}

int berth_http_framing_from_head(const struct berth_http_head *h, struct berth_http_framing *ret)
{
        const char *te = NULL, *conn = NULL, *expect = NULL;
        long long cl = -1;

        *ret = (struct berth_http_framing){ .keep_alive = h->http11 };
        for (size_t i = 0; i < h->n_headers; i++) {
                const char *n = h->headers[i].name, *v = h->headers[i].value;

                if (strcasecmp(n, "Content-Length") == 0) {
                        long long l;
                        if (parse_length(v, &l) < 0 || (cl >= 0 && l != cl))
                                return -EBADMSG;
                        cl = l;
                } else if (strcasecmp(n, "Transfer-Encoding") == 0) {
                        if (te)
                                return -EBADMSG;
                        te = v;
                } else if (strcasecmp(n, "Connection") == 0)
                        conn = v;
                else if (strcasecmp(n, "Expect") == 0)
                        expect = v;
        }
        if (conn && strcasecmp(conn, "close") == 0)
                ret->keep_alive = false;
        else if (conn && strcasecmp(conn, "keep-alive") == 0)
                ret->keep_alive = true;
        if (te) {
                if (strcasecmp(te, "chunked") != 0 || cl >= 0)
                        return -EBADMSG;
                ret->chunked = true;
                ret->content_length = -1;
        } else
                ret->content_length = cl < 0 ? 0 : cl;
        ret->expect_continue =
                expect && strcasecmp(expect, "100-continue") == 0 && ret->content_length != 0;
        return 0;
}

int berth_http_chunk_size_parse(const char *line, size_t len, long long *ret)
{
        long long v = 0;
        size_t i = 0;

        for (; i < len && isxdigit((unsigned char)line[i]); i++) {
                if (v > (1ll << 40))
                        return -EMSGSIZE;
                v = v * 16 + (isdigit((unsigned char)line[i])
                                      ? line[i] - '0'
                                      : tolower((unsigned char)line[i]) - 'a' + 10);
        }
        if (i == 0)
                return -EBADMSG;
        /* Chunk extensions are ignored; nothing else may follow the size. */
        for (size_t k = i; k < len; k++)
                if ((unsigned char)line[k] < 0x20 && line[k] != '\t')
                        return -EBADMSG;
        if (i < len && line[i] != ';' && line[i] != ' ' && line[i] != '\t')
                return -EBADMSG;
        *ret = v;
        return 0;
}

int berth_http_target_split(const char *target, char **ret_path, const char **ret_query)
{
        const char *q = strchr(target, '?');
        char *path;

        if (target[0] != '/')
                return -EBADMSG;
        path = berth_http_unescape(target, q ? (size_t)(q - target) : strlen(target), false);
        if (!path)
                return -EBADMSG;
        *ret_path = path;
        *ret_query = q ? q + 1 : NULL;
        return 0;
}
