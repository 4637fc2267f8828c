// Package carrier owns the carrier-neutral model of labelstation: orders,
// addresses, parcels, service choices, bookings, labels, tracking events and
// the normalised parcel status, plus the Carrier interface every carrier
// package (postnord, stg, …) implements. Wire formats never leave their
// carrier package; everything above this floor speaks these types.
//
// Optional interfaces say what else a carrier can do: ServicePointFinder,
// TransitTimer, Reprinter, and, for working offline (ARCHITECTURE.md,
// "Offline" and "Unknown outcome"), Prober and ReferenceFinder. A station
// that cannot reach the carrier (Probe fails) prints a label with an item
// id from the consignor's own series and books it later with that same id
// (Parcel.ItemID, Parcel.ItemIDType); a booking whose answer was lost is
// looked up — Track by item id, FindByReference by customer number and
// reference — before anything is sent again, and a shipment found is
// adopted with all its parcels (Tracking.ItemIDs). Error.Kind says what a
// caller may do about a failure, and Error.RetryAfter how long the
// carrier asked it to wait.
package carrier
