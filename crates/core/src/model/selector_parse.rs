//! The label-selector grammar of `k8s.io/apimachinery/pkg/labels` (lexer and parser), with
//! its error messages, so `-l` and the sandbox refuse exactly what kube-apiserver refuses.

use super::selector::{LabelSelector, Requirement, SelectorError};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    End,
    Ident(String),
    Comma,
    Not,
    OpenPar,
    ClosePar,
    Eq,
    DoubleEq,
    NotEq,
    Gt,
    Lt,
}

impl Token {
    /// The literal kube quotes in `found '...'`.
    fn literal(&self) -> &str {
        match self {
            Token::End => "",
            Token::Ident(s) => s,
            Token::Comma => ",",
            Token::Not => "!",
            Token::OpenPar => "(",
            Token::ClosePar => ")",
            Token::Eq => "=",
            Token::DoubleEq => "==",
            Token::NotEq => "!=",
            Token::Gt => ">",
            Token::Lt => "<",
        }
    }
}

fn is_special(c: char) -> bool {
    matches!(c, '=' | '!' | '(' | ')' | ',' | '>' | '<')
}

fn lex(input: &str) -> Vec<Token> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let next = chars.get(i + 1).copied();
        let (tok, len) = match (c, next) {
            ('!', Some('=')) => (Token::NotEq, 2),
            ('=', Some('=')) => (Token::DoubleEq, 2),
            ('!', _) => (Token::Not, 1),
            ('=', _) => (Token::Eq, 1),
            ('(', _) => (Token::OpenPar, 1),
            (')', _) => (Token::ClosePar, 1),
            (',', _) => (Token::Comma, 1),
            ('>', _) => (Token::Gt, 1),
            ('<', _) => (Token::Lt, 1),
            _ => {
                let start = i;
                while i < chars.len() && !chars[i].is_whitespace() && !is_special(chars[i]) {
                    i += 1;
                }
                out.push(Token::Ident(chars[start..i].iter().collect()));
                continue;
            }
        };
        out.push(tok);
        i += len;
    }
    out
}

const OPERATORS: &str = "in, notin, =, ==, !=, gt, lt";

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

fn found(tok: &Token, expected: &str) -> String {
    format!("found '{}', expected: {expected}", tok.literal())
}

impl Parser {
    fn peek(&self) -> Token {
        self.tokens.get(self.pos).cloned().unwrap_or(Token::End)
    }

    fn next(&mut self) -> Token {
        let t = self.peek();
        self.pos += 1;
        t
    }

    fn requirements(&mut self) -> Result<Vec<Requirement>, String> {
        let mut out = Vec::new();
        loop {
            match self.peek() {
                Token::Ident(_) | Token::Not => {
                    out.push(self.requirement()?);
                    match self.next() {
                        Token::End => return Ok(out),
                        Token::Comma => match self.peek() {
                            Token::Ident(_) | Token::Not => {}
                            t => return Err(found(&t, "identifier after ','")),
                        },
                        t => return Err(found(&t, "',' or 'end of string'")),
                    }
                }
                Token::End => return Ok(out),
                t => return Err(found(&t, "!, identifier, or 'end of string'")),
            }
        }
    }

    fn requirement(&mut self) -> Result<Requirement, String> {
        let mut negated = false;
        let mut tok = self.next();
        if tok == Token::Not {
            negated = true;
            tok = self.next();
        }
        let Token::Ident(key) = tok else {
            return Err(found(&tok, "identifier"));
        };
        validate_key(&key)?;
        if negated {
            return Ok(Requirement::NotExists(key));
        }
        if matches!(self.peek(), Token::End | Token::Comma) {
            return Ok(Requirement::Exists(key));
        }
        match self.next() {
            Token::Ident(op) if op == "in" => Ok(Requirement::In(key, self.set()?)),
            Token::Ident(op) if op == "notin" => Ok(Requirement::NotIn(key, self.set()?)),
            Token::Eq | Token::DoubleEq => Ok(Requirement::Eq(key, self.exact()?)),
            Token::NotEq => Ok(Requirement::NotEq(key, self.exact()?)),
            Token::Gt => Ok(Requirement::Gt(key.clone(), integer(&key, &self.exact()?)?)),
            Token::Lt => Ok(Requirement::Lt(key.clone(), integer(&key, &self.exact()?)?)),
            t => Err(found(&t, OPERATORS)),
        }
    }

    /// One value after `=`, `==`, `!=`; empty when the term ends there.
    fn exact(&mut self) -> Result<String, String> {
        if matches!(self.peek(), Token::End | Token::Comma) {
            return Ok(String::new());
        }
        match self.next() {
            Token::Ident(v) => validate_value(v),
            t => Err(found(&t, "identifier")),
        }
    }

    /// `(a, b, ...)` after `in` / `notin`.
    fn set(&mut self) -> Result<Vec<String>, String> {
        let open = self.next();
        if open != Token::OpenPar {
            return Err(format!("found '{}' expected: '('", open.literal()));
        }
        let mut values = Vec::new();
        match self.peek() {
            Token::ClosePar => {
                self.next();
                return Ok(vec![String::new()]);
            }
            Token::Ident(_) | Token::Comma => {}
            t => return Err(found(&t, "',', ')' or identifier")),
        }
        let mut expect_value = true;
        loop {
            match self.next() {
                Token::Ident(v) if expect_value => {
                    values.push(validate_value(v)?);
                    expect_value = false;
                }
                Token::Comma => {
                    if expect_value {
                        values.push(String::new());
                    }
                    expect_value = true;
                }
                Token::ClosePar => {
                    if expect_value {
                        values.push(String::new());
                    }
                    return Ok(values);
                }
                t => return Err(found(&t, "',' or ')'")),
            }
        }
    }
}

fn integer(key: &str, value: &str) -> Result<i64, String> {
    value.parse().map_err(|_| {
        format!(
            "for 'Gt', 'Lt' operators, the value must be an integer (key {key:?}, value {value:?})"
        )
    })
}

/// A label value: empty, or at most 63 of `[A-Za-z0-9_.-]` starting and ending alphanumeric.
pub fn is_label_value(v: &str) -> bool {
    v.is_empty()
        || (v.len() <= 63
            && v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
            && v.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
            && v.bytes().last().is_some_and(|b| b.is_ascii_alphanumeric()))
}

fn validate_value(v: String) -> Result<String, String> {
    if is_label_value(&v) {
        Ok(v)
    } else {
        Err(format!(
            "unable to parse requirement: values[0]: Invalid value: {v:?}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
        ))
    }
}

fn validate_key(key: &str) -> Result<(), String> {
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    let prefix_ok = prefix.is_none_or(|p| {
        !p.is_empty() && p.len() <= 253 && p.split('.').all(super::profile_name::is_dns1123_label)
    });
    if prefix_ok && !name.is_empty() && !name.contains('/') && is_label_value(name) {
        return Ok(());
    }
    Err(format!(
        "unable to parse requirement: key: Invalid value: {key:?}: name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
    ))
}

impl LabelSelector {
    /// Parses `labelSelector` query syntax with kube's grammar
    /// (`k8s.io/apimachinery/pkg/labels` `Parse`): anything it refuses is an error here too,
    /// never "matches nothing" or "matches everything".
    pub fn parse(sel: &str) -> Result<Self, SelectorError> {
        parse(sel).map(Self).map_err(|why| SelectorError {
            why,
            selector: sel.to_owned(),
        })
    }
}

/// Parses a whole selector.
pub fn parse(input: &str) -> Result<Vec<Requirement>, String> {
    Parser {
        tokens: lex(input),
        pos: 0,
    }
    .requirements()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn kube_refuses_these_and_so_do_we() {
        for (sel, why) in [
            ("a=(b", "found '(', expected: identifier"),
            ("!!", "found '!', expected: identifier"),
            ("!a=b", "found '=', expected: ',' or 'end of string'"),
            (
                "=x",
                "found '=', expected: !, identifier, or 'end of string'",
            ),
            ("a=b,,c=d", "found ',', expected: identifier after ','"),
            ("a b", "found 'b', expected: in, notin, =, ==, !=, gt, lt"),
            ("a=b=c", "found '=', expected: ',' or 'end of string'"),
            ("a in (b", "found '', expected: ',' or ')'"),
            ("a in b", "found 'b' expected: '('"),
            ("a>x", "must be an integer"),
            ("a=b c", "found 'c', expected: ',' or 'end of string'"),
            ("a=-b", "a valid label must be"),
            ("-a", "key: Invalid value"),
            ("a,", "found '', expected: identifier after ','"),
        ] {
            let err = parse(sel).unwrap_err();
            assert!(err.contains(why), "{sel}: {err}");
        }
    }

    #[test]
    fn kube_accepts_these() {
        use Requirement::*;
        let s = |v: &str| v.to_string();
        for (sel, want) in [
            ("", vec![]),
            ("  ", vec![]),
            ("a==", vec![Eq(s("a"), s(""))]),
            ("a = b", vec![Eq(s("a"), s("b"))]),
            (
                "x/y in (1, 2),!z",
                vec![In(s("x/y"), vec![s("1"), s("2")]), NotExists(s("z"))],
            ),
            ("a notin ()", vec![NotIn(s("a"), vec![s("")])]),
            ("a>3,b<4", vec![Gt(s("a"), 3), Lt(s("b"), 4)]),
            ("in in (in)", vec![In(s("in"), vec![s("in")])]),
            (
                "app.kubernetes.io/part-of=kubeflow-profile",
                vec![Eq(s("app.kubernetes.io/part-of"), s("kubeflow-profile"))],
            ),
        ] {
            assert_eq!(parse(sel).unwrap(), want, "{sel}");
        }
    }
}
