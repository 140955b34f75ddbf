package console

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/beaconstatus/beacon/app/brand"
	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/app/web"
	"github.com/beaconstatus/beacon/models"
)

// The page's branding: administrators upload its logo, favicon and
// stylesheet and set its accent colour and links. What they save here
// overrides the environment's BRAND_* values; the pages, emails, badges and
// the widget show it after the save.

// brandingView is the branding page.
type brandingView struct {
	AdminView
	Current *view.Brand // what the pages show now
	Saved   bool
}

// showBranding is the branding form, filled with what is stored.
func (h *Handler) showBranding(c echo.Context) error {
	v := brandingView{AdminView: h.adminView(c, "Branding", "branding"), Saved: c.QueryParam("saved") != ""}
	stored, err := h.DB.GetBranding(c.Request().Context())
	if err != nil {
		return err
	}
	v.Form.Values = map[string][]string{}
	for _, key := range models.BrandSettingKeys {
		v.Form.Values.Set(strings.TrimPrefix(key, "brand_"), stored.Settings[key])
	}
	return h.renderBranding(c, http.StatusOK, v)
}

func (h *Handler) renderBranding(c echo.Context, code int, v brandingView) error {
	if h.Site.Branding != nil {
		v.Current = h.Site.Branding()
	}
	return h.Render.Admin(c, code, "branding.html", v)
}

// saveBranding checks every field and file of the form and stores them
// all, or nothing with a 422 naming each field that is wrong.
func (h *Handler) saveBranding(c echo.Context) error {
	form := view.NewForm(c)
	form.Clear("csrf")
	var problems models.ValidationError
	change := models.BrandingChange{Settings: map[string]string{}}

	accent := strings.TrimSpace(form.Value("accent_color"))
	if accent != "" {
		a, _, err := brand.CheckAccent(accent)
		if err != nil {
			problems.Add("accent_color", "%s", err)
		}
		accent = a
	}
	change.Settings[models.SettingBrandAccent] = accent
	support := strings.TrimSpace(form.Value("support_url"))
	if support != "" {
		if err := brand.CheckLinkURL(support); err != nil {
			problems.Add("support_url", "%s", err)
		}
	}
	change.Settings[models.SettingBrandSupportURL] = support
	for _, f := range []struct{ field, key string }{
		{"header_links", models.SettingBrandHeaderLinks}, {"footer_links", models.SettingBrandFooterLinks},
	} {
		lines := strings.Split(strings.ReplaceAll(form.Value(f.field), "\r\n", "\n"), "\n")
		links, err := brand.ParseLinks(lines)
		if err != nil {
			problems.Add(f.field, "%s", err)
		}
		var kept []string
		for _, l := range links {
			kept = append(kept, l.Label+"|"+l.URL)
		}
		change.Settings[f.key] = strings.Join(kept, "\n")
	}
	for _, f := range []struct{ field, kind string }{
		{"logo", models.BrandLogo}, {"favicon", models.BrandFavicon}, {"stylesheet", models.BrandStylesheet},
	} {
		if form.Value("remove_"+f.field) != "" {
			change.Remove = append(change.Remove, f.kind)
			continue
		}
		data, ok, err := uploaded(c, f.field)
		switch {
		case err != nil:
			problems.Add(f.field, "%s", err)
			continue
		case !ok:
			continue
		}
		if f.kind == models.BrandStylesheet {
			if err := brand.CheckStylesheet(data); err != nil {
				problems.Add(f.field, "%s", err)
				continue
			}
			change.Assets = append(change.Assets, models.BrandingAsset{Kind: f.kind, ContentType: "text/css", Body: data})
			continue
		}
		body, kind, err := brand.CheckImage(data)
		if err != nil {
			problems.Add(f.field, "%s", err)
			continue
		}
		change.Assets = append(change.Assets, models.BrandingAsset{Kind: f.kind, ContentType: kind, Body: body})
	}
	if err := problems.Err(); err != nil {
		v := brandingView{AdminView: h.adminView(c, "Branding", "branding")}
		form.Invalid(err)
		v.Form = form
		return h.renderBranding(c, http.StatusUnprocessableEntity, v)
	}
	err := h.Writes.Do(c, web.Everything, "branding.update", "branding", func(tx *models.DB) (string, any, error) {
		kinds := make([]string, 0, len(change.Assets))
		for _, a := range change.Assets {
			kinds = append(kinds, a.Kind)
		}
		return "", map[string]any{"settings": change.Settings, "uploaded": kinds, "removed": change.Remove},
			tx.SaveBranding(c.Request().Context(), change, h.Now())
	})
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/admin/branding?saved=1")
}

// uploaded reads the file of a form field, if one was chosen: at most
// brand.MaxImageBytes (a stylesheet is checked for its own, smaller limit).
func uploaded(c echo.Context, field string) ([]byte, bool, error) {
	fh, err := c.FormFile(field)
	switch {
	case errors.Is(err, http.ErrMissingFile):
		return nil, false, nil
	case err != nil:
		return nil, false, errors.New("could not be read: upload it again")
	case fh.Size == 0:
		return nil, false, nil
	case fh.Size > brand.MaxImageBytes:
		return nil, false, errors.New("is larger than the 256 KiB allowed")
	}
	f, err := fh.Open()
	if err != nil {
		return nil, false, errors.New("could not be read: upload it again")
	}
	defer func(f multipart.File) { f.Close() }(f)
	data, err := io.ReadAll(io.LimitReader(f, brand.MaxImageBytes+1))
	if err != nil {
		return nil, false, errors.New("could not be read: upload it again")
	}
	return data, true, nil
}
