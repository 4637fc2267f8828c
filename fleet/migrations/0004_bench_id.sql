-- Each bench's data file has an id of its own: a second bench that
-- comes with a name already in use (a cloned PC image, a copied config)
-- is refused instead of claiming and pushing as the other.
ALTER TABLE stations ADD COLUMN bench_id text NOT NULL DEFAULT '';
