package web

import "errors"

// Worded is an error with a catalog key (views/i18n) that words it on the
// public HTML error page in the reader's language; the API and the
// console keep the English message of Err.
type Worded struct {
	Key  string
	Args []any // the message's placeholders: pairs of names and values
	Err  error
}

func (w *Worded) Error() string { return w.Err.Error() }
func (w *Worded) Unwrap() error { return w.Err }

// Word gives err the public wording of the catalog key, with args for
// its placeholders (pairs of names and values). A nil err stays nil.
func Word(key string, err error, args ...any) error {
	if err == nil {
		return nil
	}
	return &Worded{Key: key, Args: args, Err: err}
}

// WordedKey is the catalog key of err and its placeholders, or "".
func WordedKey(err error) (string, []any) {
	var w *Worded
	if errors.As(err, &w) {
		return w.Key, w.Args
	}
	return "", nil
}
