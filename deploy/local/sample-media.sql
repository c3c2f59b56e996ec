-- Product images: each row points at an immutable object in the shop-media bucket (the cross-store
-- reference Lockstep checks). Run after sample-app.sql.
DROP TABLE IF EXISTS product_images;
CREATE TABLE product_images (
    key         TEXT PRIMARY KEY,
    product_id  BIGINT NOT NULL REFERENCES products (id),
    bytes       INT NOT NULL,
    added_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
