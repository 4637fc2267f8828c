-- The site dashboard's indexes (fleet/dashboard.go).
--
-- One bench's dashboard reads its own summaries of the window: with only
-- track_summaries_booked it would walk every bench's index entries of the
-- window and drop 19 of 20. By bench, then booking time, covering the
-- body, it is one range of index pages (an index-only scan).
CREATE INDEX track_summaries_station_booked ON track_summaries (station, booked_at) INCLUDE (body);

-- Benches counts each bench's shipments booked in the window: a range of
-- this index per bench, without reading the table.
CREATE INDEX shipments_station_booked ON shipments (station, booked_at);
