package models

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// omissionRE finds a capitalised word (a name, perhaps) followed by a verb
// of omission: "Dave forgot", "Priya failed to", "Tom didn't".
var omissionRE = regexp.MustCompile(`(\p{Lu}\p{Ll}+)[ \t]+(forgot|forgets|forgotten|failed to|fails to|neglected|neglects|didn't|didn’t|did not|never|missed|ignored|overlooked|omitted|skipped)([^\p{L}\p{N}_]|$)`)

// notNames are capitalised words that are no one's name even inside a
// sentence.
var notNames = map[string]bool{
	"We": true, "They": true, "He": true, "She": true, "It": true, "This": true, "That": true,
	"Nobody": true, "Someone": true, "Somebody": true, "Everyone": true, "Everybody": true, "Nothing": true,
}

// omissionBlames finds a person named by a first name, not an operator's
// (those are found by name already), as the subject of a verb of
// omission: "… then Dave forgot to run the canary". A capitalised word at
// the start of a sentence is left alone ("The deploy failed to finish",
// "Monitoring missed it"): there it says nothing of a name. It returns the
// words as written, e.g. "Dave forgot".
func omissionBlames(text string, users []User) []string {
	operator := map[string]bool{}
	for _, u := range users {
		for _, part := range strings.Fields(u.Name) {
			operator[part] = true
		}
	}
	var out []string
	for _, m := range omissionRE.FindAllStringSubmatchIndex(text, -1) {
		start, name := m[2], text[m[2]:m[3]]
		before, _ := utf8.DecodeLastRuneInString(text[:start])
		if isWordRune(before) || before == '\'' || before == '’' || notNames[name] || operator[name] || sentenceStart(text[:start]) {
			continue
		}
		out = append(out, text[m[2]:m[5]])
	}
	return out
}

// sentenceStart reports whether a word after text starts a sentence: the
// text so far ends, past spaces and Markdown marks, where a sentence ends
// or a line begins.
func sentenceStart(text string) bool {
	text = strings.TrimRightFunc(text, func(r rune) bool {
		return r == ' ' || r == '\t' || strings.ContainsRune("*_#>`\"“‘(-+", r)
	})
	if text == "" {
		return true
	}
	last, _ := utf8.DecodeLastRuneInString(text)
	if last == '\n' || last == '.' || last == '!' || last == '?' {
		return true
	}
	// A numbered list item ("1. Dave forgot") starts one too.
	line := text[strings.LastIndexByte(text, '\n')+1:]
	return strings.IndexFunc(line, func(r rune) bool { return !unicode.IsDigit(r) && r != '.' && r != ')' }) < 0
}
