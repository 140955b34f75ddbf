package models

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Warning is a blameless-check finding in one section of a postmortem.
type Warning struct {
	Section string // the section key (or whatever key the text was given under)
	Term    string // the words found, as written in the text
	Message string
}

// blamingPhrases are words that point at people rather than at systems.
var blamingPhrases = []string{
	"human error", "operator error", "user error", "careless", "carelessly", "carelessness",
	"should have known", "should've known", "should have noticed", "should have caught",
	"fault of", "at fault", "his fault", "her fault", "their fault",
	"blame", "blamed", "to blame", "negligence", "negligent", "incompetent", "incompetence",
	"sloppy", "stupid", "lazy", "failed to follow", "did not follow", "didn't follow",
}

// BlamelessWarnings checks postmortem texts (by section key) for the names
// or email addresses of operators, for a first name followed by a verb of
// omission ("Dave forgot", omissionBlames) and for blaming words. It warns, it does
// not judge: the result only informs the person about to publish. Full
// names and emails match in any case; a single part of a name (three
// letters or more) only as written, capitalised, to spare words like
// "will" or "mark".
func BlamelessWarnings(sections map[string]string, users []User) []Warning {
	var out []Warning
	for _, key := range orderedKeys(sections) {
		text := sections[key]
		label := SectionLabel(key)
		if label == "" {
			label = key
		}
		seen := map[string]bool{}
		add := func(term, message string) {
			if !seen[strings.ToLower(term)] {
				seen[strings.ToLower(term)] = true
				out = append(out, Warning{Section: key, Term: term, Message: message})
			}
		}
		lower := strings.ToLower(text)
		for _, u := range users {
			who := u.DisplayName()
			if email := strings.ToLower(strings.TrimSpace(u.Email)); email != "" && strings.Contains(lower, email) {
				add(u.Email, label+" mentions "+who+" by email address: describe what the system allowed, not who did it.")
			}
			name := strings.TrimSpace(u.Name)
			if name == "" {
				continue
			}
			if found, ok := findWord(text, name, true); ok {
				add(found, label+" names "+who+": describe what the system allowed, not who did it.")
				continue
			}
			for _, part := range strings.Fields(name) {
				if utf8.RuneCountInString(part) >= 3 {
					if found, ok := findWord(text, part, false); ok {
						add(found, label+" may name "+who+" (\""+found+"\"): describe what the system allowed, not who did it.")
					}
				}
			}
		}
		for _, found := range omissionBlames(text, users) {
			add(found, label+" says \""+found+"\": that may blame a person; describe what the system allowed, not who did it.")
		}
		for _, phrase := range blamingPhrases {
			if found, ok := findWord(text, phrase, true); ok {
				add(found, label+" says \""+found+"\": blameless postmortems look for causes in systems and processes.")
			}
		}
	}
	return out
}

// orderedKeys returns the keys in section order, unknown keys after, sorted.
func orderedKeys(sections map[string]string) []string {
	var keys, rest []string
	for _, s := range PostmortemSections {
		if _, ok := sections[s.Key]; ok {
			keys = append(keys, s.Key)
		}
	}
	for k := range sections {
		if !ValidSectionKey(k) {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(keys, rest...)
}

// findWord finds term in text as a whole word (not inside a longer word),
// ignoring case when fold is set, and returns it as written in text.
func findWord(text, term string, fold bool) (string, bool) {
	hay, needle := text, term
	if fold {
		hay, needle = strings.ToLower(text), strings.ToLower(term)
		if len(hay) != len(text) {
			// Lowercasing changed byte lengths: positions would not map back.
			hay, needle = text, term
			fold = false
		}
	}
	for from := 0; from <= len(hay)-len(needle) && needle != ""; {
		i := strings.Index(hay[from:], needle)
		if i < 0 {
			break
		}
		start, end := from+i, from+i+len(needle)
		before, _ := utf8.DecodeLastRuneInString(text[:start])
		after, _ := utf8.DecodeRuneInString(text[end:])
		if !isWordRune(before) && !isWordRune(after) {
			return text[start:end], true
		}
		from = start + 1
	}
	return "", false
}

func isWordRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_')
}
