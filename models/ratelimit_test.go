package models_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/beaconstatus/beacon/models"
	"github.com/beaconstatus/beacon/models/dbtest"
)

// A key allows limit hits per window; the next is refused until the window
// ends, and then a new window starts.
func TestHitRateLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		start := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
		window := 15 * time.Minute
		for i := 1; i <= 3; i++ {
			ok, retry, err := db.HitRateLimit(ctx, "login:email:a", 3, window, start.Add(time.Duration(i)*time.Minute))
			if err != nil || !ok || retry != 0 {
				t.Fatalf("hit %d: allowed %v, retry %v, %v; want allowed", i, ok, retry, err)
			}
		}
		ok, retry, err := db.HitRateLimit(ctx, "login:email:a", 3, window, start.Add(5*time.Minute))
		if err != nil || ok {
			t.Fatalf("hit 4: allowed %v, %v; want refused", ok, err)
		}
		// The window began at the first hit (10:01) and ends at 10:16.
		if want := 11 * time.Minute; retry != want {
			t.Errorf("retry after %v, want %v", retry, want)
		}
		// Another key has its own count.
		if ok, _, _ := db.HitRateLimit(ctx, "login:email:b", 3, window, start.Add(5*time.Minute)); !ok {
			t.Error("a fresh key was refused")
		}
		// Still refused just before the window ends, allowed after.
		if ok, _, _ := db.HitRateLimit(ctx, "login:email:a", 3, window, start.Add(15*time.Minute)); ok {
			t.Error("allowed before the window ended")
		}
		if ok, _, _ := db.HitRateLimit(ctx, "login:email:a", 3, window, start.Add(16*time.Minute)); !ok {
			t.Error("refused after the window ended")
		}
		for i := 0; i < 2; i++ {
			if ok, _, _ := db.HitRateLimit(ctx, "login:email:a", 3, window, start.Add(17*time.Minute)); !ok {
				t.Fatal("the new window does not start from one")
			}
		}
		if ok, _, _ := db.HitRateLimit(ctx, "login:email:a", 3, window, start.Add(17*time.Minute)); ok {
			t.Error("the new window allowed a fourth hit")
		}
	})
}

// Undo takes one hit back; Clear forgets them all; stale counters are swept.
func TestRateLimitUndoClearSweep(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
		hit := func(key string) bool {
			t.Helper()
			ok, _, err := db.HitRateLimit(ctx, key, 2, time.Hour, now)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		hit("k")
		hit("k")
		if err := db.UndoRateLimitHit(ctx, "k"); err != nil {
			t.Fatal(err)
		}
		if !hit("k") {
			t.Error("after an undo, the second hit was refused")
		}
		if hit("k") {
			t.Error("a third hit was allowed")
		}
		if err := db.ClearRateLimit(ctx, "k"); err != nil {
			t.Fatal(err)
		}
		if !hit("k") {
			t.Error("refused after Clear")
		}
		// Undo on a key with no counter is not an error.
		if err := db.UndoRateLimitHit(ctx, "none"); err != nil {
			t.Fatal(err)
		}
		hit("old")
		n, err := db.DeleteStaleRateLimits(ctx, now.Add(time.Second))
		if err != nil || n != 2 {
			t.Fatalf("DeleteStaleRateLimits = %d, %v; want 2 (k and old)", n, err)
		}
	})
}

// Concurrent hits are each counted: no more than limit are allowed.
func TestHitRateLimitConcurrent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		now := time.Now()
		const limit, tries = 5, 20
		var wg sync.WaitGroup
		var mu sync.Mutex
		allowed := 0
		for i := 0; i < tries; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, _, err := db.HitRateLimit(ctx, "login:ip:192.0.2.1", limit, time.Hour, now)
				if err != nil {
					t.Error(err)
					return
				}
				if ok {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if allowed != limit {
			t.Errorf("%d of %d concurrent hits allowed, want %d", allowed, tries, limit)
		}
	})
}

// CountFailure counts failures that come less than forget apart, keeping
// the time of the last one; RateLimitState reads a counter.
func TestCountFailure(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		start := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
		if n, at, err := db.RateLimitState(ctx, "login:fail:a|192.0.2.1"); err != nil || n != 0 || !at.IsZero() {
			t.Fatalf("no counter: %d, %v, %v", n, at, err)
		}
		for i := 1; i <= 3; i++ {
			n, err := db.CountFailure(ctx, "login:fail:a|192.0.2.1", start.Add(time.Duration(i)*time.Hour), 2*time.Hour)
			if err != nil || n != i {
				t.Fatalf("failure %d: count %d, %v", i, n, err)
			}
		}
		n, at, err := db.RateLimitState(ctx, "login:fail:a|192.0.2.1")
		if err != nil || n != 3 || !at.Equal(start.Add(3*time.Hour)) {
			t.Errorf("state: %d at %v (%v), want 3 at the last failure %v", n, at, err, start.Add(3*time.Hour))
		}
		// After a quiet spell the count starts again.
		if n, err := db.CountFailure(ctx, "login:fail:a|192.0.2.1", start.Add(5*time.Hour), 2*time.Hour); err != nil || n != 1 {
			t.Errorf("after a quiet spell: count %d, %v, want 1", n, err)
		}
	})
}
