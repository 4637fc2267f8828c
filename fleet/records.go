package fleet

// Records is the site's tracking records for the one poller: every
// bench's open parcels, the site's daily look-up count, events stored once
// each (station/tracking.Records).
func (s *Site) Records() *SiteRecords { return &SiteRecords{site: s} }

// SiteRecords implements station/tracking.Records on the server.
type SiteRecords struct{ site *Site }
