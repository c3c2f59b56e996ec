-- A small shop: customers, products, orders and order lines. About 375k rows in all, generated
-- deterministically so two runs of the demo produce the same data.
DROP TABLE IF EXISTS order_items, orders, products, customers CASCADE;

CREATE TABLE customers (
    id          BIGINT PRIMARY KEY,
    email       TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE TABLE products (
    id           BIGINT PRIMARY KEY,
    sku          TEXT NOT NULL UNIQUE,
    title        TEXT NOT NULL,
    price_cents  INT NOT NULL CHECK (price_cents > 0)
);
CREATE TABLE orders (
    id           BIGINT PRIMARY KEY,
    customer_id  BIGINT NOT NULL REFERENCES customers (id),
    placed_at    TIMESTAMPTZ NOT NULL,
    status       TEXT NOT NULL
);
CREATE TABLE order_items (
    order_id    BIGINT NOT NULL REFERENCES orders (id),
    line        INT NOT NULL,
    product_id  BIGINT NOT NULL REFERENCES products (id),
    quantity    INT NOT NULL,
    PRIMARY KEY (order_id, line)
);

INSERT INTO customers
SELECT g, 'customer' || g || '@example.com', 'Customer ' || g, TIMESTAMPTZ '2025-01-01' + g * INTERVAL '7 minutes'
FROM generate_series(1, 20000) g;

INSERT INTO products
SELECT g, 'SKU-' || lpad(g::text, 6, '0'), 'Product ' || g || ' ' || md5(g::text), 100 + (g * 37) % 50000
FROM generate_series(1, 5000) g;

INSERT INTO orders
SELECT g, 1 + (g * 7919) % 20000, TIMESTAMPTZ '2025-06-01' + g * INTERVAL '3 minutes',
       (ARRAY['placed', 'paid', 'shipped', 'delivered'])[1 + g % 4]
FROM generate_series(1, 100000) g;

INSERT INTO order_items
SELECT o, l, 1 + (o * 31 + l * 17) % 5000, 1 + (o + l) % 5
FROM generate_series(1, 100000) o, generate_series(1, 1 + o % 4) l;

ANALYZE;
