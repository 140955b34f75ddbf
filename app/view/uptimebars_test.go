package view

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	"testing"
)

// oldUptimeLoop is the template loop uptimeBars stands for.
const oldUptimeLoop = `{{define "bars"}}
{{- range $i, $d := .}}
{{- if .Incidents}}<span class="day-{{.Level}}" tabindex="0" role="group" aria-label="{{.Date}}: {{.Label}}"><span class="tip">{{.Date}}: {{.Label}}{{range .Incidents}}<a href="{{.URL}}">{{.Name}}</a>{{end}}</span></span>
{{- else if and (ne .Level "operational") (ne .Level "nodata")}}<i class="day-{{.Level}}" tabindex="0" role="img" aria-label="{{.Date}}: {{.Label}}"></i>
{{- else}}<i class="day-{{.Level}}" role="img" aria-label="{{.Date}}: {{.Label}}"></i>
{{- end}}
{{- end}}{{end}}`

// uptimeBars writes the same bytes as the template loop it replaced, for
// ordinary days and for names, labels and links that need escaping.
func TestUptimeBarsMatchTemplate(t *testing.T) {
	old := template.Must(template.New("").Parse(oldUptimeLoop))
	tricky := []string{
		"", "Plain", `<script>alert("x")</script>`, "Tom & Jerry's +1", "a\x00b", "Zürich — 東京",
		`"quoted" 'single'`, "&amp; already", "tab\tnew\nline", "%41 100% %zz",
	}
	urls := []string{
		"/incidents/abc123", "/incidents/a b", "javascript:alert(1)", "JavaScript:x", "HTTPS://ok.test/x?a=1&b=2+3",
		"mailto:ops@acme.test", "/x:y", "a?b:c", "/%41%4g%", "/é'\"<>()", "data:text/html,hi", "//host/p#frag",
	}
	levels := []string{"operational", "nodata", "degraded", "partial", "major", "maintenance", `x"y`}
	for _, n := range []int{0, 1, 7, 30, 31, 60, 61, 90} {
		days := make([]DayView, n)
		for i := range days {
			d := DayView{Date: tricky[i%len(tricky)], ISODate: tricky[(i+3)%len(tricky)],
				Level: levels[i%len(levels)], Label: tricky[(i+5)%len(tricky)]}
			for j := range i % 3 {
				d.Incidents = append(d.Incidents, IncidentLink{Name: tricky[(i+j)%len(tricky)], URL: urls[(i+j)%len(urls)]})
			}
			days[i] = d
		}
		var want bytes.Buffer
		if err := old.ExecuteTemplate(&want, "bars", days); err != nil {
			t.Fatal(err)
		}
		if got := string(uptimeBars(days)); got != want.String() {
			t.Errorf("%d days:\n got %q\nwant %q", n, got, want.String())
		}
	}
	for _, u := range urls {
		var want bytes.Buffer
		tmpl := template.Must(template.New("").Parse(`<a href="{{.}}">`))
		if err := tmpl.Execute(&want, u); err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		fmt.Fprintf(&b, `<a href="%s">`, escaped(safeURL(u)))
		if b.String() != want.String() {
			t.Errorf("href of %q = %s, want %s", u, b.String(), want.String())
		}
	}
}

func escaped(s string) string {
	var b strings.Builder
	htmlEscape(&b, s)
	return b.String()
}
