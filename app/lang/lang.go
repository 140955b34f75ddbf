// Package lang holds the languages of the public side: the message
// catalogs of views/i18n (one TOML file per language, go-i18n), the
// choice of a reader's language (?lang=, the "lang" cookie the language
// switch sets, Accept-Language, PAGE_LANGUAGE) and the wording of dates,
// durations and statuses in each. The console stays English.
package lang

import (
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/beaconstatus/beacon/views"
)

// Default is the language of the catalog every other is checked against.
const Default = "en"

// CookieName is the cookie the language switch sets.
const CookieName = "lang"

// Shipped lists the languages whose catalogs are in views/i18n, in the
// order the switch shows them.
func Shipped() []string {
	names, _ := fs.Glob(views.FS, "i18n/active.*.toml")
	codes := []string{Default}
	for _, n := range names {
		code := strings.TrimSuffix(strings.TrimPrefix(path.Base(n), "active."), ".toml")
		if code != Default {
			codes = append(codes, code)
		}
	}
	return codes
}

// Catalog is the enabled languages with their messages.
type Catalog struct {
	langs   map[string]*Lang
	codes   []string // enabled, the default first
	def     *Lang
	matcher language.Matcher
	tags    []language.Tag
	// accept caches the language chosen for an Accept-Language header,
	// so a snapshot hit does not parse it again.
	accept      sync.Map // string → string
	acceptCount atomic.Int64
}

// maxAcceptCache bounds the Accept-Language cache.
const maxAcceptCache = 4096

// NewCatalog loads the catalogs of the enabled languages (nil: every one
// shipped) with def the default. An unknown code is an error naming it.
func NewCatalog(enabled []string, def string) (*Catalog, error) {
	if len(enabled) == 0 {
		enabled = Shipped()
	}
	if def == "" {
		def = enabled[0]
	}
	shipped := Shipped()
	for _, code := range append([]string{def}, enabled...) {
		if !slices.Contains(shipped, code) {
			return nil, fmt.Errorf("lang: no catalog for %q (shipped: %s)", code, strings.Join(shipped, ", "))
		}
	}
	if !slices.Contains(enabled, def) {
		return nil, fmt.Errorf("lang: the default language %q is not among the enabled ones (%s)", def, strings.Join(enabled, ", "))
	}
	bundle := i18n.NewBundle(language.MustParse(Default))
	bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	for _, code := range shipped {
		data, err := fs.ReadFile(views.FS, "i18n/active."+code+".toml")
		if err != nil {
			return nil, err
		}
		if _, err := bundle.ParseMessageFileBytes(data, "active."+code+".toml"); err != nil {
			return nil, fmt.Errorf("lang: catalog %s: %w", code, err)
		}
	}
	ids, err := MessageIDs(Default)
	if err != nil {
		return nil, err
	}
	c := &Catalog{langs: map[string]*Lang{}}
	// The default first: it is what Accept-Language falls back to.
	order := append([]string{def}, slices.DeleteFunc(slices.Clone(enabled), func(s string) bool { return s == def })...)
	for _, code := range order {
		l := newLang(code, i18n.NewLocalizer(bundle, code, Default), ids)
		c.langs[code] = l
		c.codes = append(c.codes, code)
		c.tags = append(c.tags, language.MustParse(code))
	}
	c.def = c.langs[def]
	c.matcher = language.NewMatcher(c.tags)
	return c, nil
}

// MessageIDs lists the message ids of a shipped catalog.
func MessageIDs(code string) ([]string, error) {
	data, err := fs.ReadFile(views.FS, "i18n/active."+code+".toml")
	if err != nil {
		return nil, err
	}
	var raw map[string]any
	if err := toml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("lang: catalog %s: %w", code, err)
	}
	ids := make([]string, 0, len(raw))
	for id := range raw {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids, nil
}

// Codes is the enabled languages, the default first.
func (c *Catalog) Codes() []string { return c.codes }

// Default is the default language.
func (c *Catalog) Default() *Lang { return c.def }

// Multi says whether more than one language is enabled: only then do
// answers vary by language.
func (c *Catalog) Multi() bool { return len(c.codes) > 1 }

// Get is the enabled language of code, or nil.
func (c *Catalog) Get(code string) *Lang { return c.langs[code] }

// Langs is every enabled language, the default first.
func (c *Catalog) Langs() []*Lang {
	out := make([]*Lang, len(c.codes))
	for i, code := range c.codes {
		out[i] = c.langs[code]
	}
	return out
}

// Of is the language a request is answered in: an enabled ?lang=, else
// the language switch's cookie, else the best match of Accept-Language,
// else the default.
func (c *Catalog) Of(req *http.Request) *Lang {
	if len(c.codes) == 1 {
		return c.def
	}
	if strings.Contains(req.URL.RawQuery, "lang=") {
		if l := c.langs[req.URL.Query().Get("lang")]; l != nil {
			return l
		}
	}
	if _, ok := req.Header["Cookie"]; ok {
		if ck, err := req.Cookie(CookieName); err == nil {
			if l := c.langs[ck.Value]; l != nil {
				return l
			}
		}
	}
	return c.accepted(req.Header.Get("Accept-Language"))
}

// accepted is the enabled language Accept-Language prefers.
func (c *Catalog) accepted(header string) *Lang {
	if header == "" {
		return c.def
	}
	if code, ok := c.accept.Load(header); ok {
		return c.langs[code.(string)]
	}
	code := c.def.Code
	if prefs, _, err := language.ParseAcceptLanguage(header); err == nil && len(prefs) > 0 {
		_, i, conf := c.matcher.Match(prefs...)
		if conf != language.No {
			code = c.codes[i]
		}
	}
	if c.acceptCount.Load() < maxAcceptCache {
		if _, loaded := c.accept.LoadOrStore(header, code); !loaded {
			c.acceptCount.Add(1)
		}
	}
	return c.langs[code]
}

// Lang is one language: its messages and its wording of times.
type Lang struct {
	Code   string
	Name   string // its own name, for the switch: "Deutsch"
	loc    *i18n.Localizer
	static map[string]string // messages without arguments, worded once
	months []string          // month names, January first
	short  []string          // short month names
}

func newLang(code string, loc *i18n.Localizer, ids []string) *Lang {
	l := &Lang{Code: code, loc: loc, static: make(map[string]string, len(ids))}
	for _, id := range ids {
		if s, err := loc.Localize(&i18n.LocalizeConfig{MessageID: id}); err == nil {
			l.static[id] = s
		}
	}
	l.Name = l.static["language_name"]
	l.months = strings.Split(l.static["months"], ",")
	l.short = strings.Split(l.static["months_short"], ",")
	return l
}

// T is the message id worded in l; args are pairs of names and values
// for its placeholders ({{.Name}}). A missing message is its id, so a
// page never breaks on one (TestCatalogsComplete finds them).
func (l *Lang) T(id string, args ...any) string {
	if len(args) == 0 {
		if s, ok := l.static[id]; ok {
			return s
		}
		return id
	}
	data := make(map[string]any, len(args)/2)
	for i := 0; i+1 < len(args); i += 2 {
		data[fmt.Sprint(args[i])] = args[i+1]
	}
	s, err := l.loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil {
		return id
	}
	return s
}

// N is the message id for count (its plural form), with {{.Count}} and
// the other placeholders of args.
func (l *Lang) N(id string, count int, args ...any) string {
	data := map[string]any{"Count": count}
	for i := 0; i+1 < len(args); i += 2 {
		data[fmt.Sprint(args[i])] = args[i+1]
	}
	s, err := l.loc.Localize(&i18n.LocalizeConfig{MessageID: id, PluralCount: count, TemplateData: data})
	if err != nil {
		return id
	}
	return s
}

// Format writes t with the layout of the message id (a Go time layout
// in which "January" and "Jan" stand for the month's name in l).
func (l *Lang) Format(t time.Time, id string) string {
	layout := l.T(id)
	var b strings.Builder
	for layout != "" {
		i := strings.Index(layout, "Jan")
		if i < 0 {
			b.WriteString(t.Format(layout))
			break
		}
		b.WriteString(t.Format(layout[:i]))
		m := int(t.Month()) - 1
		if strings.HasPrefix(layout[i:], "January") {
			b.WriteString(pick(l.months, m, t.Month().String()))
			layout = layout[i+len("January"):]
		} else {
			b.WriteString(pick(l.short, m, t.Month().String()[:3]))
			layout = layout[i+len("Jan"):]
		}
	}
	return b.String()
}

func pick(names []string, i int, fallback string) string {
	if i < len(names) && names[i] != "" {
		return names[i]
	}
	return fallback
}

// Duration words d: "2 hrs 14 mins", "2 Std. 14 Min.", "2시간 14분".
func (l *Lang) Duration(d time.Duration) string {
	if d < time.Minute {
		return l.T("duration_under_minute")
	}
	mins := int(d.Round(time.Minute) / time.Minute)
	days, hours, m := mins/(24*60), mins/60%24, mins%60
	switch {
	case days > 0 && hours > 0:
		return l.N("duration_days", days) + " " + l.N("duration_hours", hours)
	case days > 0:
		return l.N("duration_days", days)
	case hours > 0 && m > 0:
		return l.N("duration_hours", hours) + " " + l.N("duration_minutes", m)
	case hours > 0:
		return l.N("duration_hours", hours)
	}
	return l.N("duration_minutes", m)
}
