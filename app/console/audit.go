package console

import (
	"net/http"
	"strconv"

	"github.com/beaconstatus/beacon/app/view"
	"github.com/beaconstatus/beacon/app/web"
	"github.com/labstack/echo/v4"
)

// auditPageSize is how many audit entries a page shows.
const auditPageSize = 50

// auditView is the audit log page.
type auditView struct {
	AdminView
	Entries   []auditRow
	NewestURL string // back to the first page, "" on it
	OlderURL  string // the next page, "" when there is none
}

// auditRow is one audit entry as shown.
type auditRow struct {
	At                                       view.DisplayTime
	ActorType, ActorName, Action, TargetType string
	TargetID, IP, Detail                     string
}

// showAudit is the audit log, newest first, a page at a time: ?before=ID
// shows the entries older than ID.
func (h *Handler) showAudit(c echo.Context) error {
	var before int64
	if s := c.QueryParam("before"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return web.BadRequest("before must be a positive entry number, got %q", s)
		}
		before = n
	}
	list, err := h.DB.ListAudit(c.Request().Context(), before, auditPageSize+1)
	if err != nil {
		return err
	}
	v := auditView{AdminView: h.adminView(c, "Audit log", "audit")}
	if before > 0 {
		v.NewestURL = "/admin/audit"
	}
	if len(list) > auditPageSize {
		list = list[:auditPageSize]
		v.OlderURL = "/admin/audit?before=" + strconv.FormatInt(list[len(list)-1].ID, 10)
	}
	for _, e := range list {
		v.Entries = append(v.Entries, auditRow{At: h.Site.Time(e.CreatedAt), ActorType: e.ActorType,
			ActorName: e.ActorName, Action: e.Action, TargetType: e.TargetType, TargetID: e.TargetID,
			IP: e.IP, Detail: e.Detail})
	}
	return h.Render.Admin(c, http.StatusOK, "audit.html", v)
}
