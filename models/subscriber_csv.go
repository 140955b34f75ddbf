package models

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Subscribers as CSV: the export's columns are the ones the import reads,
// so an export imports back. Columns:
//
//	email            the address (required on import)
//	status           pending, confirmed, unsubscribed (ignored on import)
//	components       component or group ids (or, on import, exact names) separated by ";"; empty: the whole page
//	component_names  for people (ignored on import)
//	incidents, maintenance, postmortems   yes or no (empty on import: yes)
//	source, created_at, confirmed_at, unsubscribed_at, id   (ignored on import)
//
// A cell that a spreadsheet would run as a formula (starting with =, +, -
// or @) is written with a leading apostrophe, which the import removes.

// MaxImportRows is the most data rows one CSV import takes.
const MaxImportRows = 20000

// exportColumns are the columns of an export, in order.
var exportColumns = []string{"email", "status", "components", "component_names", "incidents", "maintenance",
	"postmortems", "source", "created_at", "confirmed_at", "unsubscribed_at", "id"}

// ImportReport is what a CSV import did.
type ImportReport struct {
	Rows    int              // data rows read
	Added   int              // subscribers added
	Skipped int              // addresses already subscribed, or listed twice: left as they were
	Errors  []ImportRowError // rows not imported, and why
}

// ImportRowError is a row that was not imported.
type ImportRowError struct {
	Line    int    // line of the file the row starts on (the header is line 1)
	Email   string // as written in the row, if it has one
	Message string
}

// ImportSubscribers reads subscribers from CSV (a header line, then one
// row each) and adds each valid row. A row is added whole or not at all:
// every row is checked before anything is written, and a row that fails
// is reported and skipped. Addresses already pending or confirmed are
// skipped as they are; addresses that unsubscribed are refused, since
// only their owner can subscribe them again. With skipConfirmation the
// new subscribers are confirmed at once (the operator vouches for their
// consent), else each is sent a confirmation email. A file that cannot be
// read as a whole (no email column, too many rows) is a ValidationError
// on field "file" and nothing is imported.
func (db *DB) ImportSubscribers(ctx context.Context, r io.Reader, skipConfirmation bool, now time.Time) (*ImportReport, error) {
	now = now.UTC()
	rows, cols, rep, err := readImport(r)
	if err != nil {
		return nil, err
	}
	err = db.InTx(ctx, func(tx *DB) error {
		resolve, err := tx.componentResolver(ctx)
		if err != nil {
			return err
		}
		for _, row := range rows {
			email := unescapeCell(cols.get(row.cells, "email"))
			fail := func(msg string) {
				rep.Errors = append(rep.Errors, ImportRowError{Line: row.line, Email: email, Message: msg})
			}
			ch, problem := cols.choices(row.cells, resolve)
			addr, norm, err := ParseEmail("email", email)
			if ve, ok := err.(*ValidationError); ok {
				problem = append([]string{ve.Fields[0].Field + " " + ve.Fields[0].Message}, problem...)
			}
			if len(problem) > 0 {
				fail(strings.Join(problem, "; "))
				continue
			}
			var existing Subscriber
			res := tx.Gorm.WithContext(ctx).Select("status", "unsubscribed_at").Where("email_normalized = ?", norm).Limit(1).Find(&existing)
			if res.Error != nil {
				return fmt.Errorf("models: look up subscriber: %w", res.Error)
			}
			if res.RowsAffected > 0 && existing.Status == SubscriberUnsubscribed {
				fail(fmt.Sprintf("unsubscribed on %s: only they can subscribe again", existing.UnsubscribedAt.Format("2006-01-02")))
				continue
			}
			s := &Subscriber{ID: NewID(), Email: addr, EmailNormalized: norm, Status: SubscriberPending,
				TokenVersion: 1, Source: SourceImport, CreatedAt: now, UpdatedAt: now}
			if skipConfirmation {
				s.Status, s.ConfirmedAt = SubscriberConfirmed, &now
			} else {
				s.ConfirmationSentAt = &now
			}
			inserted := false
			if res.RowsAffected == 0 {
				if inserted, err = tx.insertSubscriber(ctx, s, ch); err != nil {
					return err
				}
			}
			if !inserted {
				rep.Skipped++
				continue
			}
			if !skipConfirmation {
				if err := tx.enqueueConfirmation(ctx, s, now); err != nil {
					return err
				}
			}
			rep.Added++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rep, nil
}

// importRow is one data row of an import file.
type importRow struct {
	line  int
	cells []string
}

// importColumns maps column names to their position.
type importColumns map[string]int

func (c importColumns) get(cells []string, name string) string {
	if i, ok := c[name]; ok && i < len(cells) {
		return strings.TrimSpace(cells[i])
	}
	return ""
}

// readImport reads the header and every row; rows that are not valid CSV
// are reported in the returned report.
func readImport(r io.Reader) ([]importRow, importColumns, *ImportReport, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, nil, Invalid("file", "is empty: the first line must name the columns, e.g. email,components")
	}
	if err != nil {
		return nil, nil, nil, Invalid("file", "is not a CSV file: %s", csvProblem(err))
	}
	cols := importColumns{}
	for i, name := range header {
		name = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(name, "\ufeff")))
		if _, dup := cols[name]; !dup {
			cols[name] = i
		}
	}
	if _, ok := cols["email"]; !ok {
		return nil, nil, nil, Invalid("file", "has no email column: the first line must name the columns, e.g. email,components")
	}
	rep := &ImportReport{}
	var rows []importRow
	for {
		cells, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		rep.Rows++
		if rep.Rows > MaxImportRows {
			return nil, nil, nil, Invalid("file", "has more than %d rows: split it into smaller files", MaxImportRows)
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			rep.Errors = append(rep.Errors, ImportRowError{Line: pe.StartLine, Message: "is not valid CSV: " + csvProblem(err)})
			continue
		}
		if err != nil {
			return nil, nil, nil, Invalid("file", "could not be read: %s", csvProblem(err))
		}
		line, _ := cr.FieldPos(0)
		if len(cells) == 1 && strings.TrimSpace(cells[0]) == "" {
			rep.Rows-- // a blank line
			continue
		}
		rows = append(rows, importRow{line: line, cells: cells})
	}
	return rows, cols, rep, nil
}

// csvProblem is a CSV error without the line (the report has it).
func csvProblem(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return "the file could not be read"
}

// choices reads the components and kinds of a row; problems are returned
// as sentences.
func (c importColumns) choices(cells []string, resolve func(string) (string, string)) (SubscriberChoices, []string) {
	var problems []string
	ch := SubscriberChoices{}
	seen := map[string]bool{}
	for _, ref := range strings.Split(c.get(cells, "components"), ";") {
		ref = unescapeCell(strings.TrimSpace(ref))
		if ref == "" {
			continue
		}
		id, problem := resolve(ref)
		if problem != "" {
			problems = append(problems, problem)
			continue
		}
		if !seen[id] {
			seen[id] = true
			ch.ComponentIDs = append(ch.ComponentIDs, id)
		}
	}
	for _, k := range []struct {
		name string
		dst  *bool
	}{{"incidents", &ch.Incidents}, {"maintenance", &ch.Maintenance}, {"postmortems", &ch.Postmortems}} {
		switch strings.ToLower(c.get(cells, k.name)) {
		case "", "yes", "y", "true", "1", "x":
			*k.dst = true
		case "no", "n", "false", "0":
		default:
			problems = append(problems, k.name+" must be yes or no")
		}
	}
	if !ch.Incidents && !ch.Maintenance && !ch.Postmortems {
		problems = append(problems, "incidents, maintenance and postmortems cannot all be no")
	}
	if len(ch.ComponentIDs) > MaxSubscriberComponents {
		problems = append(problems, fmt.Sprintf("components must list at most %d", MaxSubscriberComponents))
	}
	return ch, problems
}

// componentResolver returns a function that finds a component or group by
// id or by exact name (any case), with a problem when there is none or the
// name is ambiguous.
func (db *DB) componentResolver(ctx context.Context) (func(string) (string, string), error) {
	var comps []Component
	if err := db.Gorm.WithContext(ctx).Select("id", "name").Find(&comps).Error; err != nil {
		return nil, fmt.Errorf("models: load components: %w", err)
	}
	ids, byName := map[string]bool{}, map[string][]string{}
	for _, c := range comps {
		ids[c.ID] = true
		byName[strings.ToLower(c.Name)] = append(byName[strings.ToLower(c.Name)], c.ID)
	}
	return func(ref string) (string, string) {
		if ids[ref] {
			return ref, ""
		}
		switch named := byName[strings.ToLower(ref)]; len(named) {
		case 1:
			return named[0], ""
		case 0:
			return "", fmt.Sprintf("no component or group is called %q", ref)
		}
		return "", fmt.Sprintf("several components are called %q: use its id", ref)
	}, nil
}

// ExportSubscribers writes the subscribers matching f (Limit and Offset
// ignored) as CSV, oldest first, reading them in batches.
func (db *DB) ExportSubscribers(ctx context.Context, w io.Writer, f SubscriberFilter) error {
	scope, err := f.scope()
	if err != nil {
		return err
	}
	var comps []Component
	if err := db.Gorm.WithContext(ctx).Select("id", "name").Find(&comps).Error; err != nil {
		return fmt.Errorf("models: load components: %w", err)
	}
	names := map[string]string{}
	for _, c := range comps {
		names[c.ID] = c.Name
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(exportColumns); err != nil {
		return err
	}
	const batch = 1000
	var after *Subscriber
	for {
		q := db.Gorm.WithContext(ctx).Scopes(scope).Order("created_at, id").Limit(batch)
		if after != nil {
			q = q.Where("created_at > ? OR (created_at = ? AND id > ?)", after.CreatedAt, after.CreatedAt, after.ID)
		}
		var list []Subscriber
		if err := q.Find(&list).Error; err != nil {
			return fmt.Errorf("models: export subscribers: %w", err)
		}
		if err := db.loadSubscriberComponents(ctx, list); err != nil {
			return err
		}
		for i := range list {
			if err := cw.Write(exportRow(&list[i], names)); err != nil {
				return err
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		if len(list) < batch {
			return nil
		}
		after = &list[len(list)-1]
	}
}

// exportRow is a subscriber as a row of exportColumns.
func exportRow(s *Subscriber, names map[string]string) []string {
	yesNo := map[bool]string{true: "yes", false: "no"}
	when := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	var compNames []string
	for _, id := range s.ComponentIDs {
		compNames = append(compNames, names[id])
	}
	row := []string{s.Email, s.Status, strings.Join(s.ComponentIDs, ";"), strings.Join(compNames, ";"),
		yesNo[s.NotifyIncidents], yesNo[s.NotifyMaintenance], yesNo[s.NotifyPostmortems],
		s.Source, when(&s.CreatedAt), when(s.ConfirmedAt), when(s.UnsubscribedAt), s.ID}
	for i := range row {
		row[i] = escapeCell(row[i])
	}
	return row
}

// escapeCell keeps a spreadsheet from running a cell as a formula.
func escapeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@", rune(s[0])) {
		return "'" + s
	}
	return s
}

// unescapeCell undoes escapeCell.
func unescapeCell(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune("=+-@", rune(s[1])) {
		return s[1:]
	}
	return s
}
