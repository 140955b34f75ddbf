package models

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// AuditEntry is one change in the audit log: who did what to which record.
type AuditEntry struct {
	ID         int64 `gorm:"primaryKey"`
	ActorType  string
	ActorID    string
	ActorName  string
	Action     string // e.g. "incident.create", "user.delete"
	TargetType string
	TargetID   string
	Detail     string // JSON
	IP         string
	CreatedAt  time.Time
}

// TableName is the audit log's table.
func (AuditEntry) TableName() string { return "audit_log" }

// RecordAudit appends an entry to the audit log. Call it on the transaction
// that makes the change (see DB.InTx), so the change and its record commit
// together. detail is encoded as JSON; nil is {}.
func (db *DB) RecordAudit(ctx context.Context, actor Actor, action, targetType, targetID string, detail any) error {
	data := []byte("{}")
	if detail != nil {
		var err error
		if data, err = json.Marshal(detail); err != nil {
			return fmt.Errorf("models: audit detail: %w", err)
		}
	}
	e := &AuditEntry{
		ActorType: actor.Type, ActorID: actor.ID, ActorName: actor.Name,
		Action: action, TargetType: targetType, TargetID: targetID,
		Detail: string(data), IP: actor.IP, CreatedAt: time.Now().UTC(),
	}
	if e.ActorType == "" {
		e.ActorType = ActorSystem
	}
	if err := db.Gorm.WithContext(ctx).Create(e).Error; err != nil {
		return fmt.Errorf("models: record audit %s: %w", action, err)
	}
	return nil
}

// ListAudit returns audit entries newest first, at most limit of them,
// older than the entry with id before (0: from the newest).
func (db *DB) ListAudit(ctx context.Context, before int64, limit int) ([]AuditEntry, error) {
	q := db.Gorm.WithContext(ctx).Order("id DESC").Limit(limit)
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	var list []AuditEntry
	if err := q.Find(&list).Error; err != nil {
		return nil, fmt.Errorf("models: list audit log: %w", err)
	}
	return list, nil
}

// ActionLoginFailed is the audit log's action for a failed sign-in.
const ActionLoginFailed = "auth.login_failed"

// FailedSignIns returns how many failed sign-ins to the user were
// recorded after since, and the latest of them (at most limit, newest
// first).
func (db *DB) FailedSignIns(ctx context.Context, userID string, since time.Time, limit int) (int64, []AuditEntry, error) {
	q := func() *gorm.DB {
		return db.Gorm.WithContext(ctx).Model(&AuditEntry{}).
			Where("action = ? AND target_type = ? AND target_id = ? AND created_at > ?", ActionLoginFailed, "user", userID, since.UTC())
	}
	var n int64
	if err := q().Count(&n).Error; err != nil {
		return 0, nil, fmt.Errorf("models: count failed sign-ins: %w", err)
	}
	var list []AuditEntry
	if n > 0 {
		if err := q().Order("id DESC").Limit(limit).Find(&list).Error; err != nil {
			return 0, nil, fmt.Errorf("models: list failed sign-ins: %w", err)
		}
	}
	return n, list, nil
}
