// Package carrier owns the carrier-neutral model of labelstation: orders,
// addresses, parcels, service choices, bookings, labels, tracking events and
// the normalised parcel status, plus the Carrier interface every carrier
// package (postnord, stg, …) implements. Wire formats never leave their
// carrier package; everything above this floor speaks these types.
package carrier
