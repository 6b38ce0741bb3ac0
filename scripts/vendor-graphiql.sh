#!/usr/bin/env bash
# Fetches the GraphiQL page's files (GraphiQL, React, ReactDOM) and Swagger UI's (/docs) from
# the npm registry into orgchange/web/vendor/, byte for byte as published, and checks them
# against SHA256SUMS.
#   scripts/vendor-graphiql.sh            refresh and check (needs npm)
#   scripts/vendor-graphiql.sh --check    only check the files in the repository
# To move to another version: change the versions below, run it, review the page
# (tests/test_web.py::test_graphiql_keeps_no_authorization_header_in_the_browser), and
# write the new sums with `sha256sum *.js *.css > SHA256SUMS` in the vendor folder.
set -euo pipefail
cd "$(dirname "$0")/../orgchange/web/vendor"

GRAPHIQL=3.8.3
REACT=18.2.0
SWAGGER_UI=5.35.0

if [ "${1:-}" != "--check" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "graphiql@$GRAPHIQL" "react@$REACT" "react-dom@$REACT" \
    "swagger-ui-dist@$SWAGGER_UI" >/dev/null)
  for package in "graphiql-$GRAPHIQL" "react-$REACT" "react-dom-$REACT" "swagger-ui-dist-$SWAGGER_UI"; do
    mkdir -p "$work/$package" && tar xzf "$work/$package.tgz" -C "$work/$package"
  done
  cp "$work/graphiql-$GRAPHIQL/package/graphiql.min.js" "$work/graphiql-$GRAPHIQL/package/graphiql.min.css" .
  cp "$work/react-$REACT/package/umd/react.production.min.js" .
  cp "$work/react-dom-$REACT/package/umd/react-dom.production.min.js" .
  cp "$work/swagger-ui-dist-$SWAGGER_UI/package/swagger-ui-bundle.js" "$work/swagger-ui-dist-$SWAGGER_UI/package/swagger-ui.css" \
    "$work/swagger-ui-dist-$SWAGGER_UI/package/swagger-ui-bundle.js.LICENSE.txt" .
fi
sha256sum --check --quiet SHA256SUMS
