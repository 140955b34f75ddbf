package console

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// Saving the postmortem editor: the form (or admin.js's autosave) is read
// into the change it makes, only what differs, so a form sent unchanged
// writes nothing.

// savePostmortem saves what changed in the editor. "preview" goes
// on to the preview. admin.js autosaves a draft here with Accept:
// application/json: it gets {"saved", "saved_at"} (or 422 with the
// problems); new and removed entries wait for the Save button.
func (h *Handler) savePostmortem(c echo.Context) error {
	in, pm, err := h.loadPostmortem(c)
	if err != nil {
		return err
	}
	autosave := strings.Contains(c.Request().Header.Get(echo.HeaderAccept), echo.MIMEApplicationJSON)
	form := view.NewForm(c)
	form.Clear("csrf")
	input, entryErrs, err := h.pmInput(pm, form, autosave)
	changed := err == nil && (len(input.Sections) > 0 || len(input.Milestones) > 0 || len(input.Timeline) > 0)
	if changed {
		err = h.Writes.Do(c, web.Incident(in.ID), "postmortem.save", "incident", func(tx *models.DB) (string, any, error) {
			saved, err := tx.SavePostmortem(c.Request().Context(), in.ID, input, web.ActorOf(c).Name)
			if err != nil {
				return "", nil, err
			}
			pm = saved
			return in.ID, map[string]any{"revision": saved.Revision, "autosave": autosave}, nil
		})
	}
	if autosave {
		if code, msg, fields := web.Classify(err); err != nil && code == http.StatusUnprocessableEntity {
			return c.JSON(code, web.APIError{Error: msg, Fields: fields})
		} else if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"saved": changed,
			"saved_at": h.Now().In(h.Site.Zone()).Format("15:04:05")})
	}
	if form.Invalid(err) {
		form.Clear("preview")
		return h.renderPMEditor(c, http.StatusUnprocessableEntity, in, pm, pmForms{edit: &form, failed: &form, entryErrs: entryErrs})
	}
	if err != nil {
		return err
	}
	switch {
	case !changed && form.Value("preview") != "":
		// Straight to the preview: nothing to say.
	case !changed:
		h.flash(c, "Nothing changed.")
	case pm.Published():
		h.flash(c, "Saved. The public postmortem shows the change (revision %d).", pm.Revision)
	default:
		h.flash(c, "Saved the draft.")
	}
	if form.Value("preview") != "" {
		return c.Redirect(http.StatusSeeOther, pmURL(in.ID)+"/preview")
	}
	return c.Redirect(http.StatusSeeOther, pmURL(in.ID))
}

// normalizeText gives a textarea's value the line endings it was saved
// with (browsers send CRLF).
func normalizeText(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }

// pmInput reads the editor form into the change it makes to pm: only what
// differs is sent, so an unchanged form changes nothing (times are shown
// to the minute). autosave leaves out new and removed entries. The
// problems of single entries are returned by entry id, and all of them
// as a *models.ValidationError.
func (h *Handler) pmInput(pm *models.Postmortem, f view.Form, autosave bool) (models.PostmortemInput, map[string]string, error) {
	in := models.PostmortemInput{Sections: map[string]string{}}
	v := &models.ValidationError{}
	for _, s := range models.PostmortemSections {
		if vals, sent := f.Values[s.Key]; sent {
			if body := normalizeText(vals[0]); strings.TrimSpace(body) != strings.TrimSpace(pm.SectionBody(s.Key)) {
				in.Sections[s.Key] = body
			}
		}
	}
	m := pm.Milestones()
	for _, spec := range models.MilestoneSpecs {
		if val, sent := f.Values[spec.Field]; sent && strings.TrimSpace(val[0]) != h.localTimeValue(m.Get(spec.Key)) {
			if in.Milestones == nil {
				in.Milestones = map[string]*time.Time{}
			}
			// Emptied: back to the entry marked or the timeline's.
			in.Milestones[spec.Key] = h.parseLocalTime(v, spec.Field, val[0])
		}
	}

	entryErrs := map[string]string{}
	byID := map[string]*models.PostmortemEntry{}
	for i := range pm.Timeline {
		byID[pm.Timeline[i].ID] = &pm.Timeline[i]
	}
	for n, id := range f.Values["entry"] {
		e := byID[id]
		if e == nil {
			v.Add("timeline", "entry %d was removed meanwhile: reload the page", n+1)
			continue
		}
		if checked(f, entryRemove(id)) {
			if !autosave {
				in.Timeline = append(in.Timeline, models.EntryInput{ID: id, Remove: true})
			}
			continue
		}
		change := models.EntryInput{ID: id}
		var problems []string
		if val, sent := f.Values[entryText(id)]; sent {
			text := normalizeText(val[0])
			switch {
			case strings.TrimSpace(text) == "":
				problems = append(problems, "the text must not be empty (tick Remove to drop the entry)")
			case strings.TrimSpace(text) != strings.TrimSpace(e.Body):
				change.Body = &text
			}
		}
		if val, sent := f.Values[entryAt(id)]; sent && val[0] != h.localTimeValue(&e.OccurredAt) {
			if at, ok := h.localTime(val[0]); ok && at != nil {
				change.OccurredAt = at
			} else {
				problems = append(problems, "the time must be a date and time such as 2026-11-24T14:00")
			}
		}
		if public := checked(f, entryPublic(id)); public != e.Included {
			change.Included = &public
		}
		if val, sent := f.Values[entryMilestone(id)]; sent && val[0] != e.Milestone {
			change.Milestone = &val[0]
		}
		if len(problems) > 0 {
			entryErrs[id] = strings.Join(problems, "; ")
			v.Add("timeline", "entry %d: %s", n+1, entryErrs[id])
			continue
		}
		if change.Body != nil || change.OccurredAt != nil || change.Included != nil || change.Milestone != nil {
			in.Timeline = append(in.Timeline, change)
		}
	}
	if !autosave {
		at, text := strings.TrimSpace(f.Value("new_at")), normalizeText(f.Value("new_text"))
		if at != "" || strings.TrimSpace(text) != "" {
			when, ok := h.localTime(at)
			switch {
			case at == "":
				v.Add("new_at", "must be given for a new entry")
			case !ok:
				v.Add("new_at", "must be a date and time such as 2026-11-24T14:00 (%s)", h.Site.Info().TimeZone)
			}
			if strings.TrimSpace(text) == "" {
				v.Add("new_text", "must be given for a new entry")
			}
			in.Timeline = append(in.Timeline, models.EntryInput{OccurredAt: when, Body: &text, Included: ptrTo(checked(f, "new_public"))})
		}
	}
	return in, entryErrs, v.Err()
}

// localTime reads a datetime-local value in the page's time zone: nil for
// an empty one, false for a malformed one.
func (h *Handler) localTime(s string) (*time.Time, bool) {
	v := &models.ValidationError{}
	t := h.parseLocalTime(v, "time", s)
	return t, v.Err() == nil
}
