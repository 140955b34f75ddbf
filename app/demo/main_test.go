package demo_test

import (
	"os"
	"testing"

	"github.com/beaconstatus/beacon/models/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }
