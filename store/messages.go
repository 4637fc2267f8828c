package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"labelstation/carrier"
)

// Outgoing messages: what the station tells the world about its parcels
// (webhooks to the WMS now; e-mail and SMS to receivers later). A message
// is written in the same commit as the fact it reports, so a crash can
// neither lose it (the fact is saved, the message is not) nor invent one
// (the message is saved, the fact is not). Each message has an event id
// that is unique for ever: a second message with the same id is dropped,
// which is what makes "once per event" hold when a fact is recorded again.
var (
	// messages: seq (8 bytes, big endian) → Message; the order of creation.
	bucketMessages = []byte("messages")
	// message_ids: event id → seq, so an event is queued once.
	bucketMessageIDs = []byte("message_ids")
	// messages_open: seq → channel, for the messages that still need work.
	bucketMessagesOpen = []byte("messages_open")
)

// MessageState is where an outgoing message is.
type MessageState string

const (
	// MessagePending: saved, not yet delivered (or delivery failed for a
	// passing reason and will be tried again).
	MessagePending MessageState = "pending"
	// MessageSent: the receiver acknowledged it.
	MessageSent MessageState = "sent"
	// MessageFailed: the receiver refused it for good (e.g. HTTP 400);
	// it waits for a person's Retry or Discard.
	MessageFailed MessageState = "failed"
	// MessageDiscarded: a person took it out of the queue.
	MessageDiscarded MessageState = "discarded"
	// MessageSending: an attempt is (or was, if the station stopped) on
	// the wire. Channels that deliver at most once (e-mail, SMS) write it
	// before the attempt; found at rest it becomes MessageUnknown.
	MessageSending MessageState = "sending"
	// MessageUnknown: the attempt's outcome is unknown (the station
	// stopped mid-send, or the answer was lost after the message was
	// handed over): it is not sent again by itself, so nobody gets it
	// twice; a person may Retry or Discard it.
	MessageUnknown MessageState = "unknown"
)

// Open reports whether the message still needs work (failed and unknown
// ones wait for a person, so they are open too).
func (s MessageState) Open() bool {
	return s == MessagePending || s == MessageFailed || s == MessageSending || s == MessageUnknown
}

// Message channels.
const (
	ChannelWebhook = "webhook"
	ChannelEmail   = "email"
	ChannelSMS     = "sms"
)

// Message is one outgoing message and its delivery record.
type Message struct {
	// Seq orders messages by creation; set by the store.
	Seq uint64 `json:"seq"`
	// ID is the event id, unique for ever (e.g. "label_created/A-1001/…").
	ID       string `json:"id"`
	Channel  string `json:"channel"`
	Type     string `json:"type"`
	OrderRef string `json:"order_ref,omitempty"`
	// Body is the message as it will be sent (for a webhook, the JSON
	// payload; the signature is made at each attempt).
	Body  []byte       `json:"body"`
	State MessageState `json:"state"`
	// NotBefore holds the message until then (quiet hours).
	NotBefore time.Time `json:"not_before,omitempty"`
	Attempts  int       `json:"attempts"`
	LastError string    `json:"last_error,omitempty"`
	// LastStatus is the receiver's last HTTP status (0: no answer).
	LastStatus int `json:"last_status,omitempty"`
	// Response is the start of the receiver's last answer, for the record.
	Response string    `json:"response,omitempty"`
	Created  time.Time `json:"created"`
	Updated  time.Time `json:"updated"`
	SentAt   time.Time `json:"sent_at,omitempty"`
}

// FactKind names something that happened to a parcel that the outside
// world may want to hear about.
type FactKind string

const (
	// FactLabelCreated: the carrier holds the booking (booked online, or
	// an offline label's booking synced).
	FactLabelCreated FactKind = "label_created"
	// FactStatusChanged: the shipment's normalised status changed.
	FactStatusChanged FactKind = "status_changed"
	// FactReturnRegistered: a return label was booked.
	FactReturnRegistered FactKind = "return_registered"
	// FactReturnInTransit: the carrier has the return parcel.
	FactReturnInTransit FactKind = "return_in_transit"
	// FactReturnReceived: the return parcel is back (carrier delivered it
	// to the merchant, or the bench confirmed it).
	FactReturnReceived FactKind = "return_received"
	// FactTrackingEvent: one new carrier event of a shipment (announced
	// for each, oldest first, after any FactStatusChanged of the same
	// look-up).
	FactTrackingEvent FactKind = "tracking_event"
)

// Fact is what happened, as recorded in the commit that announces it.
type Fact struct {
	Kind FactKind
	At   time.Time
	// Shipment is the order's shipment after the change (label created,
	// status changed; for a return, the outgoing shipment if known).
	Shipment Shipment
	// Previous is the status before a status change.
	Previous carrier.Status
	// Event is the newest carrier event behind a status change (or a
	// return's change), when there is one.
	Event *carrier.TrackingEvent
	// Return is the return behind a return fact.
	Return *Return
	// Expected is the carrier's expected delivery of the shipment as the
	// recording look-up left it (tracking facts); zero: not known.
	Expected time.Time
	// Order is the shipment's order (receiver's language, tags, lines),
	// read by the store in the recording transaction; nil when the store
	// does not hold it.
	Order *carrier.Order
}

// Announcer turns a fact into the messages to send about it. It runs
// inside the recording transaction, so it must be quick and must not call
// the store; an error aborts the commit (nothing of the fact is saved).
type Announcer func(Fact) ([]Message, error)

// Announcers is one announcer that asks each of as in turn (webhooks,
// notifications) and queues all their messages.
func Announcers(as ...Announcer) Announcer {
	return func(f Fact) ([]Message, error) {
		var out []Message
		for _, a := range as {
			if a == nil {
				continue
			}
			msgs, err := a(f)
			if err != nil {
				return nil, err
			}
			out = append(out, msgs...)
		}
		return out, nil
	}
}

// SetAnnouncer installs the function that turns recorded facts into
// outgoing messages; nil (the default) announces nothing. Call it before
// the store is used concurrently.
func (s *Store) SetAnnouncer(a Announcer) { s.announce = a }

// OnMessages installs a function called after every commit that queued
// messages (PutMessages, or a fact's announcement): the deliverer's
// wake-up, which must not run inside the commit, where its list would not
// yet see the new messages. fn must not block. Call it before the store
// is used concurrently.
func (s *Store) OnMessages(fn func()) { s.onMessages = fn }

// announceTx runs the announcer for f and queues its messages in tx.
func (s *Store) announceTx(tx *bolt.Tx, f Fact) error {
	if s.announce == nil {
		return nil
	}
	if f.Order == nil {
		ref := f.Shipment.OrderRef
		if ref == "" && f.Return != nil {
			ref = f.Return.OrderRef
		}
		var o carrier.Order
		if ref != "" && getJSON(tx.Bucket(bucketOrders), ref, &o) == nil {
			f.Order = &o
		}
	}
	msgs, err := s.announce(f)
	if err != nil {
		return fmt.Errorf("announce %s: %w", f.Kind, err)
	}
	added, err := putMessages(tx, msgs)
	s.notifyOnCommit(tx, added)
	return err
}

func (s *Store) notifyOnCommit(tx *bolt.Tx, added int) {
	if added > 0 && s.onMessages != nil {
		tx.OnCommit(s.onMessages)
	}
}

// PutMessages queues messages (one commit) and returns how many were new:
// a message whose ID is already queued (in any state) is dropped.
func (s *Store) PutMessages(msgs ...Message) (added int, err error) {
	err = s.update(func(tx *bolt.Tx) error {
		added, err = putMessages(tx, msgs)
		s.notifyOnCommit(tx, added)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("queue messages: %w", err)
	}
	return added, nil
}

func putMessages(tx *bolt.Tx, msgs []Message) (int, error) {
	b, ids, open := tx.Bucket(bucketMessages), tx.Bucket(bucketMessageIDs), tx.Bucket(bucketMessagesOpen)
	added := 0
	for _, m := range msgs {
		if m.ID == "" {
			return added, fmt.Errorf("message of type %s has no id", m.Type)
		}
		if ids.Get([]byte(m.ID)) != nil {
			continue
		}
		seq, err := b.NextSequence()
		if err != nil {
			return added, err
		}
		m.Seq = seq
		if m.State == "" {
			m.State = MessagePending
		}
		if m.Updated.IsZero() {
			m.Updated = m.Created
		}
		key := seqKey(seq)
		if err := putJSON(b, string(key), m); err != nil {
			return added, err
		}
		if err := ids.Put([]byte(m.ID), key); err != nil {
			return added, err
		}
		if m.State.Open() {
			if err := open.Put(key, []byte(m.Channel)); err != nil {
				return added, err
			}
		}
		added++
	}
	return added, nil
}

func seqKey(seq uint64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], seq)
	return k[:]
}

// Message returns one message by its sequence number.
func (s *Store) Message(seq uint64) (Message, error) {
	var m Message
	err := s.db.View(func(tx *bolt.Tx) error {
		return getJSON(tx.Bucket(bucketMessages), string(seqKey(seq)), &m)
	})
	return m, err
}

// MessageByID returns one message by its event id.
func (s *Store) MessageByID(id string) (Message, error) {
	var m Message
	err := s.db.View(func(tx *bolt.Tx) error {
		key := tx.Bucket(bucketMessageIDs).Get([]byte(id))
		if key == nil {
			return ErrNotFound
		}
		return getJSON(tx.Bucket(bucketMessages), string(key), &m)
	})
	return m, err
}

// OpenMessages returns the channel's messages that still need work
// (pending and failed), oldest first. It reads only the open index.
func (s *Store) OpenMessages(channel string) ([]Message, error) {
	var out []Message
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketMessages)
		return tx.Bucket(bucketMessagesOpen).ForEach(func(k, v []byte) error {
			if channel != "" && string(v) != channel {
				return nil
			}
			var m Message
			if err := getJSON(b, string(k), &m); err != nil {
				return err
			}
			out = append(out, m)
			return nil
		})
	})
	return out, err
}

// Messages returns the channel's messages created in [from, to), oldest
// first ("" channel: every channel). It walks the messages newest first
// and stops at the first older than from, so a day's log costs that day.
func (s *Store) Messages(channel string, from, to time.Time) ([]Message, error) {
	var out []Message
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketMessages).Cursor()
		for k, v := c.Last(); k != nil; k, v = c.Prev() {
			var m Message
			if err := json.Unmarshal(v, &m); err != nil {
				return err
			}
			if !from.IsZero() && m.Created.Before(from) {
				break
			}
			if (!to.IsZero() && !m.Created.Before(to)) || (channel != "" && m.Channel != channel) {
				continue
			}
			out = append(out, m)
		}
		return nil
	})
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, err
}

// UpdateMessage changes a message inside one transaction (keeping the
// open index) and returns it. change must not alter Seq or ID.
func (s *Store) UpdateMessage(seq uint64, change func(*Message) error) (Message, error) {
	var m Message
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketMessages)
		key := seqKey(seq)
		if err := getJSON(b, string(key), &m); err != nil {
			return err
		}
		id := m.ID
		if err := change(&m); err != nil {
			return err
		}
		m.Seq, m.ID = seq, id
		if err := putJSON(b, string(key), m); err != nil {
			return err
		}
		open := tx.Bucket(bucketMessagesOpen)
		if m.State.Open() {
			return open.Put(key, []byte(m.Channel))
		}
		return open.Delete(key)
	})
	if err != nil {
		return m, fmt.Errorf("update message %d: %w", seq, err)
	}
	return m, nil
}

// MessageCounts returns how many of the channel's messages are pending and
// failed, from the open index.
func (s *Store) MessageCounts(channel string) (pending, failed int, err error) {
	msgs, err := s.OpenMessages(channel)
	for _, m := range msgs {
		if m.State == MessageFailed {
			failed++
		} else {
			pending++
		}
	}
	return pending, failed, err
}

// RecoverMessages is called when a station starts: the channel's messages
// found sending were on the wire when the station stopped, so whether they
// arrived is unknown; they become MessageUnknown (never resent by
// themselves). It returns how many changed and writes nothing when none.
func (s *Store) RecoverMessages(channel string, now time.Time) (int, error) {
	open, err := s.OpenMessages(channel)
	if err != nil {
		return 0, err
	}
	var found []uint64
	for _, m := range open {
		if m.State == MessageSending {
			found = append(found, m.Seq)
		}
	}
	for _, seq := range found {
		if _, err := s.UpdateMessage(seq, func(m *Message) error {
			if m.State == MessageSending {
				m.State, m.Updated = MessageUnknown, now
				m.LastError = "the station stopped while this message was being sent; it may have arrived"
			}
			return nil
		}); err != nil {
			return 0, err
		}
	}
	return len(found), nil
}
