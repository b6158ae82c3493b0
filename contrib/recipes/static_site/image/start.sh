#!/bin/sh
# /www is the pod's data directory, empty at the first start: give it the default
# page then, and never overwrite a page that is there.
set -eu
mkdir -p /www
if [ ! -e /www/index.html ]; then
        cp /usr/share/static_site/index.html /www/index.html
fi
exec httpd -f -v -p 3000 -h /www
