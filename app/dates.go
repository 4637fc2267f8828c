package app

import (
	"strconv"
	"time"

	"fyne.io/fyne/v2/lang"
)

// Dates in words. The screens write dates as the English ones did ("2
// May", "Fri 30 May 2025", "Mon 2 Jan 15:04"), with the day and month
// names and the order of the parts from the catalogue, so a Danish
// supervisor reads "fre. 30. maj 2025".

// monthAbbr are the English month abbreviations, the fallbacks of the
// catalogue's dash.month.1 … dash.month.12.
var monthAbbr = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"} // i18n: fallbacks of dash.month.N

// weekdayAbbr are the English day abbreviations, Sunday first (as
// time.Weekday counts), the fallbacks of dash.weekday.0 … dash.weekday.6.
var weekdayAbbr = [...]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"} // i18n: fallbacks of dash.weekday.N

// monthText is m's abbreviation in the screen's language: "May", "maj".
func monthText(m time.Month) string {
	if m < time.January || m > time.December {
		return m.String() // i18n: never happens for a parsed date
	}
	return lang.X("dash.month."+strconv.Itoa(int(m)), monthAbbr[m-1]) // i18n: dash.month.1 … 12, checked in TestDashboardWordsAreInTheCatalogue
}

// weekdayText is d's abbreviation in the screen's language: "Fri", "fre".
func weekdayText(d time.Weekday) string {
	return lang.X("dash.weekday."+strconv.Itoa(int(d)%7), weekdayAbbr[int(d)%7]) // i18n: dash.weekday.0 … 6, checked in TestDashboardWordsAreInTheCatalogue
}

// dayMonthText is "2 May".
func dayMonthText(t time.Time) string {
	return lang.X("dash.date.day_month", "{{.Day}} {{.Month}}", map[string]any{"Day": t.Day(), "Month": monthText(t.Month())})
}

// longDateText is "Fri 30 May 2025".
func longDateText(t time.Time) string {
	return lang.X("dash.date.long", "{{.Weekday}} {{.Day}} {{.Month}} {{.Year}}",
		map[string]any{"Weekday": weekdayText(t.Weekday()), "Day": t.Day(), "Month": monthText(t.Month()), "Year": t.Year()})
}

// weekdayDateText is "Mon 2 Jan".
func weekdayDateText(t time.Time) string {
	return lang.X("dash.date.weekday_day_month", "{{.Weekday}} {{.Day}} {{.Month}}",
		map[string]any{"Weekday": weekdayText(t.Weekday()), "Day": t.Day(), "Month": monthText(t.Month())})
}

// dayTimeText is "2 Jan 15:04".
func dayTimeText(t time.Time) string {
	return dayMonthText(t) + " " + clockOf(t)
}

// clockOf is "14:05": the same in every language the station speaks.
func clockOf(t time.Time) string { return t.Format("15:04") }
