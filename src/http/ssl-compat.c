/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * berth-ssl-compat.so: lets Debian 12's civetweb (1.15) speak TLS with OpenSSL 3.
 *
 * That civetweb loads OpenSSL at run time: dlopen("libssl.so"), then dlsym() of every
 * function it uses. One of them, SSL_get_peer_certificate, is only a macro in OpenSSL 3
 * (the function is SSL_get1_peer_certificate, same meaning: a new reference), so the
 * lookup fails and mg_init_library() refuses TLS. This object has the SONAME
 * "libssl.so" and needs libssl.so.3: once berthd has loaded it, civetweb's dlopen of
 * "libssl.so" returns it, and its dlsym() finds the missing name here and every other
 * one in libssl.so.3 and libcrypto.so.3 behind it.
 */
#include <openssl/ssl.h>

#undef SSL_get_peer_certificate
X509 *SSL_get_peer_certificate(const SSL *s);

X509 *SSL_get_peer_certificate(const SSL *s)
{
        return SSL_get1_peer_certificate(s);
}
