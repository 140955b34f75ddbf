package view

import (
	"fmt"
	"html"
	"html/template"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/lang"
	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/static"
	"github.com/beaconstatus/beacon/views"
)

// The layouts every page is executed through: public pages (views/public)
// through base.html, console pages (views/admin) through admin.html.
const (
	layoutName      = "base.html"
	adminLayoutName = "admin.html"
)

// Renderer executes the public and admin page templates. Every page is
// parsed at construction, each into its own copy of its layout and
// partials, so a broken template stops the server at boot and pages
// cannot clash over block names.
type Renderer struct {
	langs map[string]map[string]*template.Template // public pages by language and file name, e.g. "de", "index.html"
	pages map[string]*template.Template            // the default language's
	admin map[string]*template.Template            // admin pages by file name, e.g. "users.html"
}

// NewRenderer parses the layouts, the partials and every page in
// views/public (once per language of the catalog; without one, English)
// and views/admin (English).
func NewRenderer(assets *static.Assets, catalog ...*lang.Catalog) (*Renderer, error) {
	c := englishOnly()
	if len(catalog) > 0 && catalog[0] != nil {
		c = catalog[0]
	}
	r := &Renderer{langs: map[string]map[string]*template.Template{}}
	for _, l := range c.Langs() {
		pages, err := parsePages(funcMap(assets, l), layoutName, "public/*.html", "layouts/"+layoutName, "partials/*.html")
		if err != nil {
			return nil, err
		}
		r.langs[l.Code] = pages
	}
	r.pages = r.langs[c.Default().Code]
	admin, err := parsePages(funcMap(assets, englishOnly().Default()), adminLayoutName, "admin/*.html",
		"layouts/"+adminLayoutName, "partials/*.html", "admin/partials/*.html")
	if err != nil {
		return nil, err
	}
	r.admin = admin
	return r, nil
}

// parsePages parses the layout and shared files, then each page matching
// glob into its own clone of them.
func parsePages(funcs template.FuncMap, layout, glob string, shared ...string) (map[string]*template.Template, error) {
	base, err := template.New("").Funcs(funcs).ParseFS(views.FS, shared...)
	if err != nil {
		return nil, fmt.Errorf("render: parse layout: %w", err)
	}
	if base.Lookup(layout) == nil {
		return nil, fmt.Errorf("render: layout %s not found", layout)
	}
	names, err := fs.Glob(views.FS, glob)
	if err != nil {
		return nil, fmt.Errorf("render: list pages: %w", err)
	}
	pages := make(map[string]*template.Template, len(names))
	for _, name := range names {
		t, err := base.Clone()
		if err != nil {
			return nil, fmt.Errorf("render: clone layout for %s: %w", name, err)
		}
		if _, err := t.ParseFS(views.FS, name); err != nil {
			return nil, fmt.Errorf("render: parse %s: %w", name, err)
		}
		pages[path.Base(name)] = t
	}
	return pages, nil
}

// Render writes the named page (e.g. "index.html") inside the layout. A
// failing template may have written part of the page: render into a
// buffer (as renderPage does) to answer with an error page instead.
func (r *Renderer) Render(w io.Writer, page string, data any) error {
	pages := r.pages
	if v, ok := data.(interface{ LangCode() string }); ok {
		if p := r.langs[v.LangCode()]; p != nil {
			pages = p
		}
	}
	t, ok := pages[page]
	if !ok {
		return fmt.Errorf("render: unknown page %q", page)
	}
	if err := t.ExecuteTemplate(w, layoutName, data); err != nil {
		return fmt.Errorf("render: %s: %w", page, err)
	}
	return nil
}

// RenderAdmin writes the named console page (e.g. "users.html") inside the
// admin layout; data is an AdminView or a view embedding one.
func (r *Renderer) RenderAdmin(w io.Writer, page string, data any) error {
	t, ok := r.admin[page]
	if !ok {
		return fmt.Errorf("render: unknown admin page %q", page)
	}
	if err := t.ExecuteTemplate(w, adminLayoutName, data); err != nil {
		return fmt.Errorf("render: admin %s: %w", page, err)
	}
	return nil
}

// Admin answers with a console page, rendered fully before anything is
// sent, never cached. view is a console view (console.AdminView or one
// embedding it).
func (r *Renderer) Admin(c echo.Context, code int, page string, view any) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	return web.WriteHTML(c, code, func(w io.Writer) error { return r.RenderAdmin(w, page, view) })
}

// Page answers with a public page, rendered fully before anything is
// sent, with the pages' cache policy unless the handler set its own.
func (r *Renderer) Page(c echo.Context, code int, page string, view PageView) error {
	h := c.Response().Header()
	if h.Get("Cache-Control") == "" {
		web.CachePages.Set(h)
	}
	return web.WriteHTML(c, code, func(w io.Writer) error { return r.Render(w, page, view) })
}

// Pages lists the public page names the Renderer knows.
func (r *Renderer) Pages() []string {
	names := make([]string, 0, len(r.pages))
	for name := range r.pages {
		names = append(names, name)
	}
	return names
}

// funcMap is the set of helpers available to every template, worded in
// l: t is a message of its catalog ({{t "key" "Name" .X}}), tn one for a
// count ({{tn "key" 3}}).
func funcMap(assets *static.Assets, l *lang.Lang) template.FuncMap {
	return template.FuncMap{
		"asset":       assets.URL,
		"lower":       strings.ToLower,
		"join":        strings.Join,
		"statusIcon":  StatusIcon,
		"impactLabel": func(impact string) string { return l.T("impact_" + impact) },
		"t":           l.T,
		"tb":          func(id string, args ...any) template.HTML { return strongArgs(l, id, args) },
		"tn":          l.N,
		"langCode":    func() string { return l.Code },
		"uptimeBars":  uptimeBars,
		"excerpt":     Excerpt,
		"anchor":      anchor,
		"fieldLabel":  FieldLabel,

		"minPasswordLength": func() int { return models.MinPasswordLength },
	}
}

// StatusIcon names the icon symbol (views/partials/icons.html) for a
// component status, a banner indicator or an incident status.
func StatusIcon(status string) string {
	switch status {
	case "operational", "none", "resolved", "completed", "postmortem":
		return "check"
	case "degraded_performance", "minor":
		return "minus"
	case "partial_outage", "major", "identified":
		return "exclamation"
	case "major_outage", "critical":
		return "cross"
	case "under_maintenance", "maintenance", "in_progress":
		return "wrench"
	case "scheduled":
		return "clock"
	case "investigating":
		return "search"
	}
	return "info" // monitoring, verifying and anything new
}

// ImpactLabel is the words for an incident's impact, shown next to its
// colour stripe.
func ImpactLabel(impact string) string {
	switch impact {
	case "none":
		return "No impact"
	case "minor":
		return "Minor impact"
	case "major":
		return "Major impact"
	case "critical":
		return "Critical impact"
	case "maintenance":
		return "Maintenance"
	}
	return impact
}

// Excerpt turns sanitized update HTML into plain text of at most max
// characters, cut at a word boundary.
func Excerpt(body template.HTML, max int) string {
	// Drop tags, keeping a space where one stood so words do not run together.
	var b strings.Builder
	inTag := false
	for _, r := range string(body) {
		switch {
		case r == '<':
			inTag = true
			b.WriteByte(' ')
		case r == '>' && inTag:
			inTag = false
		case !inTag:
			b.WriteRune(r)
		}
	}
	text := strings.Join(strings.Fields(html.UnescapeString(b.String())), " ")
	if utf8.RuneCountInString(text) <= max {
		return text
	}
	cut := []rune(text)[:max]
	if i := strings.LastIndexFunc(string(cut), unicode.IsSpace); i > max/2 {
		return strings.TrimRightFunc(string(cut)[:i], unicode.IsPunct) + "…"
	}
	return string(cut) + "…"
}

// anchor makes an id fragment from a label: "November 2026" → "november-2026".
func anchor(label string) string {
	return strings.Join(strings.Fields(strings.ToLower(label)), "-")
}

// FieldLabel turns a field name into words for the error summary:
// "setup_code" → "Setup code".
func FieldLabel(name string) string {
	s := strings.ReplaceAll(name, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// strongTags are the arguments tb sets apart, and the element each is
// set in.
var strongTags = map[string]string{"Email": "strong", "Endpoint": "strong", "Header": "code"}

// strongArgs is the message id worded in l with its placeholders' values
// Email and Endpoint (what the page repeats back) in <strong> and Header
// in <code>, everything escaped.
func strongArgs(l *lang.Lang, id string, args []any) template.HTML {
	marked := slices.Clone(args)
	values := map[string]string{}
	tags := map[string]string{}
	for i := 1; i < len(marked); i += 2 {
		tag := strongTags[fmt.Sprint(marked[i-1])]
		if tag == "" {
			continue
		}
		m := fmt.Sprintf("\x01%d\x02", i)
		values[m], tags[m] = fmt.Sprint(marked[i]), tag
		marked[i] = m
	}
	out := template.HTMLEscapeString(l.T(id, marked...))
	for m, v := range values {
		out = strings.ReplaceAll(out, m, "<"+tags[m]+">"+template.HTMLEscapeString(v)+"</"+tags[m]+">")
	}
	return template.HTML(out)
}
