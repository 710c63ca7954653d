//! A JSON parser that remembers where every value and key starts (line and
//! column), so campaign errors can point into the marketer's file. It accepts
//! exactly RFC 8259 JSON; syntax errors carry their position too.

use std::fmt;

/// A position in the source text, both 1-based; columns count characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    /// Line, from 1.
    pub line: u32,
    /// Column, from 1.
    pub column: u32,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// A JSON value and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Json {
    /// Where the value starts.
    pub pos: Pos,
    /// The value.
    pub value: Value,
}

/// The JSON value kinds.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A number.
    Number(f64),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Json>),
    /// An object: members in file order, each key with its position.
    Object(Vec<(String, Pos, Json)>),
}

impl Value {
    /// What kind of value this is, for error messages (`"a number"`).
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }
}

/// A syntax error.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    /// Where.
    pub pos: Pos,
    /// The JSON path of the value being read (`$.campaigns[0].when`).
    pub path: String,
    /// What.
    pub message: String,
}

/// Parses `text` as one JSON value.
pub fn parse(text: &str) -> Result<Json, SyntaxError> {
    let mut parser = Parser {
        chars: text.chars().collect(),
        at: 0,
        line: 1,
        column: 1,
        path: Vec::new(),
    };
    parser.skip_space();
    let value = parser.value(0)?;
    parser.skip_space();
    if parser.at < parser.chars.len() {
        return Err(parser.error("unexpected text after the JSON value"));
    }
    Ok(value)
}

/// Deepest nesting accepted, so hostile files cannot overflow the stack.
const MAX_DEPTH: usize = 128;

struct Parser {
    chars: Vec<char>,
    at: usize,
    line: u32,
    column: u32,
    /// Where the value being read sits: keys and array indexes from the root.
    path: Vec<Step>,
}

/// One step of a JSON path.
enum Step {
    Key(String),
    Index(usize),
}

/// `$.campaigns[0].when` from its steps.
fn json_path(steps: &[Step]) -> String {
    let mut out = String::from("$");
    for step in steps {
        match step {
            Step::Key(key) => {
                out.push('.');
                out.push_str(key);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

impl Parser {
    fn pos(&self) -> Pos {
        Pos {
            line: self.line,
            column: self.column,
        }
    }

    fn error(&self, message: impl Into<String>) -> SyntaxError {
        self.error_at(self.pos(), message)
    }

    fn error_at(&self, pos: Pos, message: impl Into<String>) -> SyntaxError {
        SyntaxError {
            pos,
            path: json_path(&self.path),
            message: message.into(),
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += 1;
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t' | '\n' | '\r')) {
            self.bump();
        }
    }

    fn expect(&mut self, want: char) -> Result<(), SyntaxError> {
        match self.peek() {
            Some(c) if c == want => {
                self.bump();
                Ok(())
            }
            Some(c) => Err(self.error(format!("expected '{want}', found '{c}'"))),
            None => Err(self.error(format!("expected '{want}', found the end of the file"))),
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, SyntaxError> {
        if depth > MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        let pos = self.pos();
        let value = match self.peek() {
            None => return Err(self.error("expected a value, found the end of the file")),
            Some('{') => self.object(depth)?,
            Some('[') => self.array(depth)?,
            Some('"') => Value::String(self.string()?),
            Some('t') => self.word("true", Value::Bool(true))?,
            Some('f') => self.word("false", Value::Bool(false))?,
            Some('n') => self.word("null", Value::Null)?,
            Some(c) if c == '-' || c.is_ascii_digit() => self.number()?,
            Some(c) => return Err(self.error(format!("expected a value, found '{c}'"))),
        };
        Ok(Json { pos, value })
    }

    fn word(&mut self, word: &str, value: Value) -> Result<Value, SyntaxError> {
        for want in word.chars() {
            if self.peek() != Some(want) {
                return Err(self.error(format!("expected '{word}'")));
            }
            self.bump();
        }
        Ok(value)
    }

    fn number(&mut self) -> Result<Value, SyntaxError> {
        let start = self.at;
        let pos = self.pos();
        if self.peek() == Some('-') {
            self.bump();
        }
        let digits = |p: &mut Parser| {
            let from = p.at;
            while p.peek().is_some_and(|c| c.is_ascii_digit()) {
                p.bump();
            }
            p.at - from
        };
        let int_start = self.at;
        let int_digits = digits(self);
        if int_digits == 0 || (int_digits > 1 && self.chars[int_start] == '0') {
            return Err(self.error_at(pos, "invalid number"));
        }
        if self.peek() == Some('.') {
            self.bump();
            if digits(self) == 0 {
                return Err(self.error("expected digits after '.'"));
            }
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            self.bump();
            if matches!(self.peek(), Some('+' | '-')) {
                self.bump();
            }
            if digits(self) == 0 {
                return Err(self.error("expected digits in the exponent"));
            }
        }
        let text: String = self.chars[start..self.at].iter().collect();
        text.parse()
            .map(Value::Number)
            .map_err(|_| self.error_at(pos, "invalid number"))
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        self.expect('"')?;
        let mut out = String::new();
        loop {
            match self.bump() {
                None => return Err(self.error("unterminated string")),
                Some('"') => return Ok(out),
                Some('\\') => {
                    let escaped = match self.bump() {
                        Some('"') => '"',
                        Some('\\') => '\\',
                        Some('/') => '/',
                        Some('b') => '\u{8}',
                        Some('f') => '\u{c}',
                        Some('n') => '\n',
                        Some('r') => '\r',
                        Some('t') => '\t',
                        Some('u') => self.unicode_escape()?,
                        _ => return Err(self.error("invalid escape in string")),
                    };
                    out.push(escaped);
                }
                Some(c) if (c as u32) < 0x20 => {
                    return Err(self.error("control character in string"));
                }
                Some(c) => out.push(c),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let mut n = 0;
        for _ in 0..4 {
            let digit = self
                .bump()
                .and_then(|c| c.to_digit(16))
                .ok_or_else(|| self.error("invalid \\u escape"))?;
            n = n * 16 + digit;
        }
        Ok(n)
    }

    fn unicode_escape(&mut self) -> Result<char, SyntaxError> {
        let first = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&first) {
            if self.bump() != Some('\\') || self.bump() != Some('u') {
                return Err(self.error("unpaired surrogate in \\u escape"));
            }
            let second = self.hex4()?;
            if !(0xDC00..0xE000).contains(&second) {
                return Err(self.error("unpaired surrogate in \\u escape"));
            }
            0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
        } else {
            first
        };
        char::from_u32(code).ok_or_else(|| self.error("invalid \\u escape"))
    }

    fn array(&mut self, depth: usize) -> Result<Value, SyntaxError> {
        self.expect('[')?;
        let mut items = Vec::new();
        self.skip_space();
        if self.peek() == Some(']') {
            self.bump();
            return Ok(Value::Array(items));
        }
        loop {
            self.skip_space();
            self.path.push(Step::Index(items.len()));
            items.push(self.value(depth + 1)?);
            self.path.pop();
            self.skip_space();
            match self.bump() {
                Some(',') => continue,
                Some(']') => return Ok(Value::Array(items)),
                _ => return Err(self.error("expected ',' or ']' in array")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, SyntaxError> {
        self.expect('{')?;
        let mut members: Vec<(String, Pos, Json)> = Vec::new();
        self.skip_space();
        if self.peek() == Some('}') {
            self.bump();
            return Ok(Value::Object(members));
        }
        loop {
            self.skip_space();
            let key_pos = self.pos();
            if self.peek() != Some('"') {
                return Err(self.error("expected a quoted field name"));
            }
            let key = self.string()?;
            self.path.push(Step::Key(key.clone()));
            // A duplicate is refused rather than silently won by one of the two.
            if let Some((_, first, _)) = members.iter().find(|(k, _, _)| *k == key) {
                let message = format!("field \"{key}\" appears twice, at {first} and at {key_pos}");
                return Err(self.error_at(key_pos, message));
            }
            self.skip_space();
            self.expect(':')?;
            self.skip_space();
            let value = self.value(depth + 1)?;
            self.path.pop();
            members.push((key, key_pos, value));
            self.skip_space();
            match self.bump() {
                Some(',') => continue,
                Some('}') => return Ok(Value::Object(members)),
                _ => return Err(self.error("expected ',' or '}' in object")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_know_where_they_start() {
        let json = parse("{\n  \"a\": [1, true],\n  \"b\": \"x\"\n}").unwrap();
        let Value::Object(members) = json.value else {
            panic!()
        };
        assert_eq!(members[0].0, "a");
        assert_eq!(members[0].1, Pos { line: 2, column: 3 });
        assert_eq!(members[0].2.pos, Pos { line: 2, column: 8 });
        let Value::Array(items) = &members[0].2.value else {
            panic!()
        };
        assert_eq!(
            items[1].pos,
            Pos {
                line: 2,
                column: 12
            }
        );
        assert_eq!(members[1].2.value, Value::String("x".into()));
    }

    #[test]
    fn syntax_errors_point_at_the_problem() {
        let err = parse("{\n  \"a\": 1,\n}").unwrap_err();
        assert_eq!(err.pos, Pos { line: 3, column: 1 });
        assert!(parse("[1 2]").is_err());
        assert!(parse("01").is_err());
        assert!(parse("\"tab\there\"").is_err());
        let twice = parse("{\"a\":1,\n \"b\": {\"c\": 1, \"c\": 2}}").unwrap_err();
        assert_eq!(
            twice.message,
            "field \"c\" appears twice, at 2:8 and at 2:16"
        );
        assert_eq!(twice.path, "$.b.c");
        assert_eq!(
            twice.pos,
            Pos {
                line: 2,
                column: 16
            }
        );
        assert!(parse(&"[".repeat(1000)).is_err());
    }

    #[test]
    fn strings_and_numbers_decode() {
        assert_eq!(
            parse(r#""\u00e9\ud83d\ude00\n""#).unwrap().value,
            Value::String("é😀\n".into())
        );
        assert_eq!(parse("-1.5e2").unwrap().value, Value::Number(-150.0));
        assert_eq!(parse(" null ").unwrap().value, Value::Null);
    }
}
