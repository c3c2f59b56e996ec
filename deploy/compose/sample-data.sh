#!/usr/bin/env bash
# One-shot seed of docker-compose.yml (service sample-data, in the postgres image, against app-postgres): the demo's
# product images and index documents, consistent with the database "shop".
#
# 1. adds the rows of product_images the demo's first images have (deploy/local/demo.sh, add_image 1..600: key
#    images/product-P-N.bin, product P = 1 + N % 5000, 512 + N % 1536 bytes), unless they are there;
# 2. writes one object per row of product_images under $SAMPLE_OUT/media/<key>, of the row's size (the same bytes
#    every time, so a second start rewrites the same objects);
# 3. writes $SAMPLE_OUT/products.ndjson, a bulk request indexing one document per product (p<id>: sku, title, its
#    number of images), as the demo indexes them, and $SAMPLE_OUT/expected (the object and document counts).
#
# The services sample-media (mc mirror into the bucket shop-media) and sample-index (a bulk request into the index
# products) load them. The password comes from the secret file the database uses, never from a command line.
set -euo pipefail

OUT="${SAMPLE_OUT:-/seed}"
PGPASSWORD="$(cat "${PGPASSWORD_FILE:-/run/secrets/app-db-password}")"
export PGPASSWORD
shop() { psql -h "${PGHOST:-app-postgres}" -U "${PGUSER:-lockstep}" -d shop -v ON_ERROR_STOP=1 -q -At "$@"; }

shop -c "INSERT INTO product_images (key, product_id, bytes)
  SELECT 'images/product-' || (1 + n % 5000) || '-' || n || '.bin', 1 + n % 5000, 512 + n % 1536
  FROM generate_series(1, 600) n
  ON CONFLICT (key) DO NOTHING"

rm -rf "${OUT:?}/media.new"
mkdir -p "$OUT/media.new"
images=0
while IFS='|' read -r key bytes; do
  [[ "$key" =~ ^[A-Za-z0-9._/-]+$ && "$key" != *..* ]] || {
    echo "skipping the key '$key': not a plain relative path" >&2
    continue
  }
  mkdir -p "$OUT/media.new/$(dirname "$key")"
  head -c "$bytes" < <(yes "lockstep sample image $key") >"$OUT/media.new/$key"
  images=$((images + 1))
done < <(shop -c "SELECT key, bytes FROM product_images ORDER BY key")

shop -c "SELECT json_build_object('index', json_build_object('_id', 'p' || id))::text || chr(10) ||
    json_build_object('sku', sku, 'title', title,
                      'images', (SELECT count(*) FROM product_images i WHERE i.product_id = p.id))::text
  FROM products p ORDER BY id" >"$OUT/products.ndjson.new"
documents=$(($(wc -l <"$OUT/products.ndjson.new") / 2))

rm -rf "${OUT:?}/media"
mv "$OUT/media.new" "$OUT/media"
mv "$OUT/products.ndjson.new" "$OUT/products.ndjson"
printf 'images %d\ndocuments %d\n' "$images" "$documents" >"$OUT/expected"
echo "sample data: $images images, $documents index documents"
