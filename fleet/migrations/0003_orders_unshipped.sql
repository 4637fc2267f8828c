-- The site dashboard's "orders with no shipment after 48 h": each order
-- knows when it was imported and whether any bench holds a live shipment
-- for it (kept by the benches' shipment pushes), so the check reads the
-- few orders still waiting through a partial index, not every order.
ALTER TABLE orders ADD COLUMN imported_at timestamptz;
ALTER TABLE orders ADD COLUMN shipped boolean NOT NULL DEFAULT false;
UPDATE orders o SET
    imported_at = NULLIF(o.body->>'imported_at', '')::timestamptz,
    shipped = EXISTS (SELECT 1 FROM shipments s WHERE s.order_ref = o.order_ref AND s.cancelled IS NULL);
CREATE INDEX orders_unshipped ON orders (imported_at) WHERE NOT shipped;
