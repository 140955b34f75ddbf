package view

import (
	"context"
	"slices"

	"github.com/beaconstatus/beacon/models"
)

// The kinds of update a subscriber chooses from, as the form names them.
var updateKinds = []struct{ value, label, hint string }{
	{"incidents", "Incidents", "when one is opened, updated and resolved"},
	{"maintenance", "Scheduled maintenance", "when it is planned, shortly before it starts, when it starts and when it ends"},
	{"postmortems", "Postmortems", "when the report of an incident is published"},
}

// ChoicesFromForm reads component_ids and kinds. Without full (a form
// that only asks for the address) no kinds means every kind.
func ChoicesFromForm(form Form, full bool) (models.SubscriberChoices, error) {
	ch := models.SubscriberChoices{ComponentIDs: form.Values["component_ids"]}
	kinds := form.Values["kinds"]
	if len(kinds) == 0 && !full {
		kinds = []string{"incidents", "maintenance", "postmortems"}
	}
	for _, k := range kinds {
		switch k {
		case "incidents":
			ch.Incidents = true
		case "maintenance":
			ch.Maintenance = true
		case "postmortems":
			ch.Postmortems = true
		default:
			return ch, models.InvalidKind("kinds", "unknown_kind", "must be incidents, maintenance or postmortems")
		}
	}
	return ch, nil
}

// Choices is the components and kinds of update a form offers, with
// what is chosen; views/partials/subscriptions.html shows it.
type Choices struct {
	Groups          []ChoiceGroup
	Kinds           []KindChoice
	ComponentsError string
	KindsError      string
}

// ChoiceGroup is a group of components (Name "" for ungrouped ones).
type ChoiceGroup struct {
	ID, Name   string
	Checked    bool
	Components []ChoiceItem
}

// ChoiceItem is one component to choose.
type ChoiceItem struct {
	ID, Name string
	Checked  bool
}

// KindChoice is one kind of update to choose.
type KindChoice struct {
	Value, Label, Hint string
	Checked            bool
}

// Choices lists the page's components and the kinds of update, with ch's
// chosen, and the form's problems with them.
func (site *Site) Choices(ctx context.Context, ch models.SubscriberChoices, form Form) (Choices, error) {
	comps, err := site.DB.ListComponents(ctx)
	if err != nil {
		return Choices{}, err
	}
	v := Choices{ComponentsError: form.Error("component_ids"), KindsError: form.Error("kinds")}
	var group *ChoiceGroup
	for _, comp := range comps {
		chosen := slices.Contains(ch.ComponentIDs, comp.ID)
		switch {
		case comp.IsGroup:
			v.Groups = append(v.Groups, ChoiceGroup{ID: comp.ID, Name: comp.Name, Checked: chosen})
			group = &v.Groups[len(v.Groups)-1]
			continue
		case comp.GroupID == nil && (group == nil || group.Name != ""):
			v.Groups = append(v.Groups, ChoiceGroup{})
			group = &v.Groups[len(v.Groups)-1]
		}
		group.Components = append(group.Components, ChoiceItem{ID: comp.ID, Name: comp.Name, Checked: chosen})
	}
	kinds := map[string]bool{"incidents": ch.Incidents, "maintenance": ch.Maintenance, "postmortems": ch.Postmortems}
	for _, k := range updateKinds {
		v.Kinds = append(v.Kinds, KindChoice{Value: k.value, Label: k.label, Hint: k.hint, Checked: kinds[k.value]})
	}
	return v, nil
}
