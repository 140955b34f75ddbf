package view

import (
	"sync"

	"github.com/beaconstatus/beacon/app/lang"
)

// englishOnly is the catalog of a Site or Renderer built without one
// (tests, tools): English alone.
var englishOnly = sync.OnceValue(func() *lang.Catalog {
	c, err := lang.NewCatalog([]string{lang.Default}, lang.Default)
	if err != nil {
		panic(err) // the embedded English catalog is broken: a test fails first
	}
	return c
})

// English is the English language, which the console speaks whatever
// languages the public side has.
func English() *lang.Lang { return englishOnly().Default() }
