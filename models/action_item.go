package models

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Action item statuses.
const (
	ActionOpen       = "open"
	ActionInProgress = "in_progress"
	ActionDone       = "done"
	ActionWontDo     = "wont_do"
)

// ActionItemStatuses lists the action item statuses in their natural order.
var ActionItemStatuses = []string{ActionOpen, ActionInProgress, ActionDone, ActionWontDo}

var actionItemLabels = map[string]string{
	ActionOpen:       "Open",
	ActionInProgress: "In progress",
	ActionDone:       "Done",
	ActionWontDo:     "Won't do",
}

// ActionItemStatusLabel is the human name of an action item status.
func ActionItemStatusLabel(s string) string { return actionItemLabels[s] }

// Limits on action items.
const (
	MaxActionTitleLength = 255
	MaxActionOwnerLength = 255
	MaxActionURLLength   = 2000
)

// ActionItem is a piece of remediation a postmortem promises, tracked in
// public.
type ActionItem struct {
	ID           string `gorm:"primaryKey"`
	PostmortemID string
	Title        string
	Owner        string
	DueDate      *time.Time // a date (midnight UTC)
	Status       string
	URL          string `gorm:"column:url"`        // the team's tracker; http or https
	URLPublic    bool   `gorm:"column:url_public"` // the public postmortem shows the link too
	Position     int
	CompletedAt  *time.Time // when it became done or won't do
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Open reports whether the item still needs doing.
func (a *ActionItem) Open() bool { return a.Status == ActionOpen || a.Status == ActionInProgress }

// Overdue reports whether the open item's due date is before today's date
// in now's time zone (pass now in the page's zone).
func (a *ActionItem) Overdue(now time.Time) bool {
	return a.Open() && a.DueDate != nil && a.DueDate.UTC().Format(time.DateOnly) < now.Format(time.DateOnly)
}

// DueDateString is the due date as YYYY-MM-DD, "" when there is none.
func (a *ActionItem) DueDateString() string {
	if a.DueDate == nil {
		return ""
	}
	return a.DueDate.UTC().Format(time.DateOnly)
}

// ActionItemInput creates or changes an action item: nil fields stay as
// they are (or take their defaults on create). DueDate is YYYY-MM-DD, ""
// for none.
type ActionItemInput struct {
	Title     *string
	Owner     *string
	DueDate   *string
	Status    *string
	URL       *string
	URLPublic *bool // show the link on the public postmortem
	Position  *int
}

// apply validates the input and writes it onto item.
func (in ActionItemInput) apply(item *ActionItem) error {
	v := &ValidationError{}
	if in.Title != nil {
		item.Title = strings.TrimSpace(*in.Title)
	}
	switch {
	case item.Title == "":
		v.Add("title", "must not be empty")
	case utf8.RuneCountInString(item.Title) > MaxActionTitleLength:
		v.Add("title", "must be at most %d characters", MaxActionTitleLength)
	}
	if in.Owner != nil {
		if item.Owner = strings.TrimSpace(*in.Owner); utf8.RuneCountInString(item.Owner) > MaxActionOwnerLength {
			v.Add("owner", "must be at most %d characters", MaxActionOwnerLength)
		}
	}
	if in.DueDate != nil {
		item.DueDate = nil
		if s := strings.TrimSpace(*in.DueDate); s != "" {
			d, err := time.Parse(time.DateOnly, s)
			if err != nil {
				v.Add("due_date", "must be a date like 2026-01-31")
			} else {
				item.DueDate = &d
			}
		}
	}
	if in.Status != nil {
		if ActionItemStatusLabel(*in.Status) == "" {
			v.Add("status", "must be one of open, in_progress, done, wont_do")
		}
		item.Status = *in.Status
	}
	if in.URL != nil {
		item.URL = strings.TrimSpace(*in.URL)
		if msg := checkTrackerURL(item.URL); msg != "" {
			v.Add("url", "%s", msg)
		}
	}
	if in.URLPublic != nil {
		item.URLPublic = *in.URLPublic
	}
	if in.Position != nil {
		if *in.Position < 0 {
			v.Add("position", "must not be negative")
		}
		item.Position = *in.Position
	}
	return v.Err()
}

// checkTrackerURL says what is wrong with an action item's link, "" when
// nothing is (an empty link is none).
func checkTrackerURL(s string) string {
	if s == "" {
		return ""
	}
	if utf8.RuneCountInString(s) > MaxActionURLLength {
		return fmt.Sprintf("must be at most %d characters", MaxActionURLLength)
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "must be an http or https link such as https://tracker.example.com/PROJ-12"
	}
	return ""
}

// postmortemIDOf returns the id of an incident's postmortem; ErrNotFound
// when the incident (not deleted) has none.
func postmortemIDOf(tx *gorm.DB, incidentID string) (string, error) {
	var pm Postmortem
	if err := postmortemOf(tx, incidentID).Select("postmortems.id").Take(&pm).Error; err != nil {
		return "", notFound(err, "load postmortem of incident %s", incidentID)
	}
	return pm.ID, nil
}

// CreateActionItem adds an action item to the postmortem of an incident;
// it goes last unless a position is given. The title is required.
func (db *DB) CreateActionItem(ctx context.Context, incidentID string, in ActionItemInput) (*ActionItem, error) {
	now := time.Now().UTC()
	item := &ActionItem{ID: NewID(), Status: ActionOpen, CreatedAt: now, UpdatedAt: now}
	if err := in.apply(item); err != nil {
		return nil, err
	}
	if !item.Open() {
		item.CompletedAt = &now
	}
	err := db.Transaction(ctx, func(tx *gorm.DB) error {
		pmID, err := postmortemIDOf(tx, incidentID)
		if err != nil {
			return err
		}
		item.PostmortemID = pmID
		if in.Position == nil {
			var last *int
			if err := tx.Model(&ActionItem{}).Where("postmortem_id = ?", pmID).Select("MAX(position)").Scan(&last).Error; err != nil {
				return fmt.Errorf("models: action items of postmortem %s: %w", pmID, err)
			}
			if last != nil {
				item.Position = *last + 1
			}
		}
		if err := tx.Create(item).Error; err != nil {
			return fmt.Errorf("models: create action item: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return item, nil
}

// UpdateActionItem changes an action item of an incident's postmortem;
// an item of another incident is ErrNotFound. Completing it (done or won't
// do) stamps CompletedAt; reopening clears it.
func (db *DB) UpdateActionItem(ctx context.Context, incidentID, id string, in ActionItemInput) (*ActionItem, error) {
	var item ActionItem
	err := db.Transaction(ctx, func(tx *gorm.DB) error {
		if err := findActionItem(tx, incidentID, id, &item); err != nil {
			return err
		}
		wasOpen := item.Open()
		if err := in.apply(&item); err != nil {
			return err
		}
		now := time.Now().UTC()
		switch {
		case wasOpen && !item.Open():
			item.CompletedAt = &now
		case item.Open():
			item.CompletedAt = nil
		}
		item.UpdatedAt = now
		err := tx.Model(&ActionItem{}).Where("id = ?", item.ID).Updates(map[string]any{
			"title": item.Title, "owner": item.Owner, "due_date": item.DueDate, "status": item.Status,
			"url": item.URL, "url_public": item.URLPublic, "position": item.Position, "completed_at": item.CompletedAt, "updated_at": now,
		}).Error
		if err != nil {
			return fmt.Errorf("models: update action item %s: %w", item.ID, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &item, nil
}

// DeleteActionItem deletes an action item of an incident's postmortem and
// returns it as it was; an item of another incident is ErrNotFound.
func (db *DB) DeleteActionItem(ctx context.Context, incidentID, id string) (*ActionItem, error) {
	var item ActionItem
	err := db.Transaction(ctx, func(tx *gorm.DB) error {
		if err := findActionItem(tx, incidentID, id, &item); err != nil {
			return err
		}
		if err := tx.Delete(&ActionItem{}, "id = ?", item.ID).Error; err != nil {
			return fmt.Errorf("models: delete action item %s: %w", item.ID, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &item, nil
}

// findActionItem loads an action item of the incident's postmortem.
func findActionItem(tx *gorm.DB, incidentID, id string, item *ActionItem) error {
	pmID, err := postmortemIDOf(tx, incidentID)
	if err != nil {
		return err
	}
	if err := lockRows(tx, false).Take(item, "id = ? AND postmortem_id = ?", id, pmID).Error; err != nil {
		return notFound(err, "load action item %s", id)
	}
	return nil
}

// ListActionItems returns the action items of an incident's postmortem in
// their order.
func (db *DB) ListActionItems(ctx context.Context, incidentID string) ([]ActionItem, error) {
	tx := db.Gorm.WithContext(ctx)
	pmID, err := postmortemIDOf(tx, incidentID)
	if err != nil {
		return nil, err
	}
	return listActionItems(tx, pmID)
}

func listActionItems(tx *gorm.DB, postmortemID string) ([]ActionItem, error) {
	list := []ActionItem{}
	if err := tx.Where("postmortem_id = ?", postmortemID).Order("position, created_at, id").Find(&list).Error; err != nil {
		return nil, fmt.Errorf("models: list action items of postmortem %s: %w", postmortemID, err)
	}
	return list, nil
}

// OpenActionItem is an open action item with the incident it remediates.
type OpenActionItem struct {
	ActionItem
	IncidentID   string
	IncidentName string
}

// ListOpenActionItems returns every open (or in progress) action item
// across incidents, the earliest due first, so overdue ones lead and
// items without a due date come last.
func (db *DB) ListOpenActionItems(ctx context.Context) ([]OpenActionItem, error) {
	var list []OpenActionItem
	err := db.Gorm.WithContext(ctx).Model(&ActionItem{}).
		Select("action_items.*, incidents.id AS incident_id, incidents.name AS incident_name").
		Joins("JOIN postmortems ON postmortems.id = action_items.postmortem_id").
		Joins("JOIN incidents ON incidents.id = postmortems.incident_id AND incidents.deleted_at IS NULL").
		Where("action_items.status IN ?", []string{ActionOpen, ActionInProgress}).
		Order("action_items.due_date IS NULL, action_items.due_date, action_items.created_at, action_items.id").
		Scan(&list).Error
	if err != nil {
		return nil, fmt.Errorf("models: list open action items: %w", err)
	}
	return list, nil
}
