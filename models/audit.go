package models

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
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
