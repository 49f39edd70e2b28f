//! The expression language of scenario conditions, scores and amount
//! filters, and its compiled form.
//!
//! Grammar (lowest precedence first):
//!
//! ```text
//! expr    := and ("or" and)*
//! and     := not ("and" not)*
//! not     := "not" not | compare
//! compare := sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum)?
//! sum     := product (("+" | "-") product)*
//! product := unary (("*" | "/") unary)*
//! unary   := "-" unary | atom
//! atom    := NUMBER | NAME | NAME "(" expr ("," expr)* ")" | "(" expr ")" | "true" | "false"
//! ```
//!
//! Numbers may use `_` separators (`10_000`). Names are resolved when the
//! scenario is compiled (aggregates, `amount`, reference thresholds), so a
//! typo is a load error, never a silent zero. Booleans are 1 and 0;
//! `x / 0` is 0 (a ratio over nothing is no evidence). A threshold that is
//! not in force at the transaction's time is NaN, which makes every
//! comparison with it false. Functions: `min`, `max`, `abs`.

/// What a name in an expression refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operand {
    /// The value of aggregate `i`.
    Aggregate(u8),
    /// The current transaction's amount in USD.
    Amount,
    /// The `i`-th referenced threshold at the event time (the scenario's
    /// list when compiled, the pack's once remapped).
    Threshold(u16),
    /// A value declared in the subject's profile (0 when not declared).
    Profile(ProfileValue),
}

/// Values of a customer profile an expression can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProfileValue {
    /// `expected_monthly_cash`: cash the customer said it would deposit
    /// and withdraw in a month (USD).
    ExpectedCash,
    /// `expected_monthly_volume`: everything it said would move through
    /// the account in a month (USD).
    ExpectedVolume,
}

impl ProfileValue {
    /// The name expressions use.
    pub(crate) fn parse(name: &str) -> Option<ProfileValue> {
        match name {
            "expected_monthly_cash" => Some(ProfileValue::ExpectedCash),
            "expected_monthly_volume" => Some(ProfileValue::ExpectedVolume),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    And,
    Or,
}

impl BinOp {
    /// Whether `x OP y` holds for a comparison (`false` for the other
    /// operators). Any comparison with NaN is false, `!=` included, so
    /// that a threshold with no value in force never fires a condition.
    #[inline(always)]
    pub(crate) fn compares(self, x: f64, y: f64) -> bool {
        match self {
            BinOp::Lt => x < y,
            BinOp::Le => x <= y,
            BinOp::Gt => x > y,
            BinOp::Ge => x >= y,
            BinOp::Eq => x == y,
            BinOp::Ne => x != y && !x.is_nan() && !y.is_nan(),
            _ => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Func {
    Min,
    Max,
    Abs,
}

/// A compiled expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    Number(f64),
    Operand(Operand),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Call(Func, Vec<Expr>),
}

/// What an expression reads: aggregates (possibly computed on demand),
/// the transaction's amount and thresholds.
pub(crate) trait Operands {
    /// The value of aggregate `i`.
    fn aggregate(&mut self, i: u8) -> f64;
    /// The transaction's amount in USD.
    fn amount(&self) -> f64;
    /// Threshold `i` at the event time (NaN when none is in force).
    fn threshold(&self, i: u16) -> f64;
    /// A value of the subject's profile (0 when unknown).
    fn profile(&self, _value: ProfileValue) -> f64 {
        0.0
    }
}

/// The values an expression reads, all known up front.
pub(crate) struct Values<'a> {
    pub(crate) aggregates: &'a [f64],
    pub(crate) amount: f64,
    pub(crate) thresholds: &'a [f64],
}

impl Operands for Values<'_> {
    fn aggregate(&mut self, i: u8) -> f64 {
        self.aggregates.get(i as usize).copied().unwrap_or(0.0)
    }

    fn amount(&self) -> f64 {
        self.amount
    }

    fn threshold(&self, i: u16) -> f64 {
        self.thresholds.get(i as usize).copied().unwrap_or(f64::NAN)
    }
}

fn truth(v: f64) -> bool {
    v != 0.0 && !v.is_nan()
}

fn flag(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

/// How an expression's truth moves with an operand: `Up` when a larger
/// operand can only make it truer (`n >= 3`), `Down` when only falser,
/// `Both` when either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Polarity {
    Up,
    Down,
    Both,
}

impl Polarity {
    fn flip(self) -> Polarity {
        match self {
            Polarity::Up => Polarity::Down,
            Polarity::Down => Polarity::Up,
            Polarity::Both => Polarity::Both,
        }
    }
}

impl Expr {
    /// Evaluates to a number (booleans are 1 and 0), reading operands on
    /// demand: `and` and `or` short-circuit, so an aggregate the answer
    /// does not need is never computed.
    pub(crate) fn eval_with<O: Operands>(&self, v: &mut O) -> f64 {
        match self {
            Expr::Number(n) => *n,
            Expr::Operand(Operand::Aggregate(i)) => v.aggregate(*i),
            Expr::Operand(Operand::Amount) => v.amount(),
            Expr::Operand(Operand::Threshold(i)) => v.threshold(*i),
            Expr::Operand(Operand::Profile(p)) => v.profile(*p),
            Expr::Neg(e) => -e.eval_with(v),
            Expr::Not(e) => flag(!truth(e.eval_with(v))),
            Expr::Binary(op, a, b) => {
                // Short-circuit the logical operators.
                match op {
                    BinOp::And => return flag(truth(a.eval_with(v)) && truth(b.eval_with(v))),
                    BinOp::Or => return flag(truth(a.eval_with(v)) || truth(b.eval_with(v))),
                    _ => {}
                }
                let (x, y) = (a.eval_with(v), b.eval_with(v));
                match op {
                    BinOp::Add => x + y,
                    BinOp::Sub => x - y,
                    BinOp::Mul => x * y,
                    BinOp::Div => {
                        if y == 0.0 {
                            0.0
                        } else {
                            x / y
                        }
                    }
                    BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne => {
                        flag(op.compares(x, y))
                    }
                    BinOp::And | BinOp::Or => 0.0,
                }
            }
            Expr::Call(f, args) => {
                let mut it = args.iter().map(|a| a.eval_with(v));
                match f {
                    Func::Abs => it.next().unwrap_or(0.0).abs(),
                    Func::Min => it.fold(f64::INFINITY, f64::min),
                    Func::Max => it.fold(f64::NEG_INFINITY, f64::max),
                }
            }
        }
    }

    /// Evaluates to a number with every operand known.
    #[cfg(test)]
    pub(crate) fn eval(&self, v: &Values<'_>) -> f64 {
        let mut v = Values { aggregates: v.aggregates, amount: v.amount, thresholds: v.thresholds };
        self.eval_with(&mut v)
    }

    /// Evaluates to a truth value.
    #[cfg(test)]
    pub(crate) fn holds(&self, v: &Values<'_>) -> bool {
        truth(self.eval(v))
    }

    /// Evaluates to a truth value, reading operands on demand.
    pub(crate) fn holds_with<O: Operands>(&self, v: &mut O) -> bool {
        truth(self.eval_with(v))
    }

    /// The operands of a chain of `and`s, left to right (the expression
    /// itself when it is not an `and`): the expression holds when each of
    /// them holds, and evaluating them in order until one fails reads the
    /// same operands as evaluating the whole.
    pub(crate) fn conjuncts<'e>(&'e self, out: &mut Vec<&'e Expr>) {
        match self {
            Expr::Binary(BinOp::And, a, b) => {
                a.conjuncts(out);
                b.conjuncts(out);
            }
            _ => out.push(self),
        }
    }

    /// The operands of a chain of `op` (`and` or `or`), left to right.
    fn chain<'e>(&'e self, op: BinOp, out: &mut Vec<&'e Expr>) {
        match self {
            Expr::Binary(o, a, b) if *o == op => {
                a.chain(op, out);
                b.chain(op, out);
            }
            _ => out.push(self),
        }
    }

    /// The same expression with threshold `i` renamed `map[i]`.
    pub(crate) fn remap_thresholds(&self, map: &[usize]) -> Expr {
        match self {
            Expr::Operand(Operand::Threshold(i)) => Expr::Operand(Operand::Threshold(
                map.get(*i as usize).map_or(u16::MAX, |t| *t as u16),
            )),
            Expr::Number(_) | Expr::Operand(_) => self.clone(),
            Expr::Neg(e) => Expr::Neg(Box::new(e.remap_thresholds(map))),
            Expr::Not(e) => Expr::Not(Box::new(e.remap_thresholds(map))),
            Expr::Binary(op, a, b) => Expr::Binary(
                *op,
                Box::new(a.remap_thresholds(map)),
                Box::new(b.remap_thresholds(map)),
            ),
            Expr::Call(f, args) => {
                Expr::Call(*f, args.iter().map(|a| a.remap_thresholds(map)).collect())
            }
        }
    }

    /// Calls `seen(operand, polarity)` for every operand: how the
    /// expression's truth moves as that occurrence grows. Products and
    /// quotients are `Up` in a factor only when the other factor is a
    /// non-negative number or a threshold (amounts are never negative).
    pub(crate) fn polarity(&self, seen: &mut impl FnMut(Operand, Polarity)) {
        self.walk(Polarity::Up, seen);
    }

    fn walk(&self, p: Polarity, seen: &mut impl FnMut(Operand, Polarity)) {
        let constant = |e: &Expr| {
            matches!(e, Expr::Number(n) if *n >= 0.0)
                || matches!(e, Expr::Operand(Operand::Threshold(_)))
        };
        match self {
            Expr::Number(_) => {}
            Expr::Operand(o) => seen(*o, p),
            Expr::Neg(e) => e.walk(p.flip(), seen),
            Expr::Not(e) => e.walk(p.flip(), seen),
            Expr::Binary(op, a, b) => match op {
                BinOp::And | BinOp::Or | BinOp::Add => {
                    a.walk(p, seen);
                    b.walk(p, seen);
                }
                BinOp::Sub => {
                    a.walk(p, seen);
                    b.walk(p.flip(), seen);
                }
                BinOp::Gt | BinOp::Ge => {
                    a.walk(p, seen);
                    b.walk(p.flip(), seen);
                }
                BinOp::Lt | BinOp::Le => {
                    a.walk(p.flip(), seen);
                    b.walk(p, seen);
                }
                BinOp::Mul if constant(a) => b.walk(p, seen),
                BinOp::Mul if constant(b) => a.walk(p, seen),
                BinOp::Div if constant(b) => a.walk(p, seen),
                _ => {
                    a.walk(Polarity::Both, seen);
                    b.walk(Polarity::Both, seen);
                }
            },
            Expr::Call(Func::Min | Func::Max, args) => {
                for a in args {
                    a.walk(p, seen);
                }
            }
            Expr::Call(Func::Abs, args) => {
                for a in args {
                    a.walk(Polarity::Both, seen);
                }
            }
        }
    }
}

/// A condition compiled for the window scenarios' evaluation loop: the
/// shapes conditions are written in (`aggregate OP threshold`, `a >= 0.7 *
/// b`, chains of `and` and `or` of them) as flat variants, so that
/// evaluating `n >= 3` is one match and two operand reads instead of three
/// levels of the tree walk. Anything else stays a tree. It reads the same
/// operands in the same order as [`Expr::holds_with`] and gives the same
/// answer, bit for bit (test `conditions_answer_as_their_trees`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Condition {
    Constant(bool),
    Compare(Compare),
    /// Every part holds (`a and b and ...`, flattened), left to right.
    All(Box<[Condition]>),
    /// Some part holds (`a or b or ...`, flattened), left to right.
    Any(Box<[Condition]>),
    Not(Box<Condition>),
    Tree(Expr),
}

/// `left OP right` with a comparison operator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Compare {
    op: BinOp,
    left: Term,
    right: Term,
}

/// A side of a compiled comparison.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Term {
    Number(f64),
    Operand(Operand),
    /// `k * operand`, the number written first (`0.7 * cash_in`).
    Scaled(f64, Operand),
}

fn read<O: Operands>(operand: Operand, v: &mut O) -> f64 {
    match operand {
        Operand::Aggregate(i) => v.aggregate(i),
        Operand::Amount => v.amount(),
        Operand::Threshold(i) => v.threshold(i),
        Operand::Profile(p) => v.profile(p),
    }
}

impl Term {
    fn of(e: &Expr) -> Option<Term> {
        match e {
            Expr::Number(n) => Some(Term::Number(*n)),
            Expr::Operand(o) => Some(Term::Operand(*o)),
            Expr::Binary(BinOp::Mul, k, o) => match (&**k, &**o) {
                (Expr::Number(k), Expr::Operand(o)) => Some(Term::Scaled(*k, *o)),
                _ => None,
            },
            _ => None,
        }
    }

    #[inline]
    fn value<O: Operands>(self, v: &mut O) -> f64 {
        match self {
            Term::Number(n) => n,
            Term::Operand(o) => read(o, v),
            // As the tree: the number, then the operand, multiplied.
            Term::Scaled(k, o) => k * read(o, v),
        }
    }
}

impl Compare {
    #[inline]
    fn holds<O: Operands>(&self, v: &mut O) -> bool {
        let x = self.left.value(v);
        let y = self.right.value(v);
        self.op.compares(x, y)
    }
}

impl Compare {
    /// [`Condition::events_needed`] for a comparison: a counted aggregate
    /// against a number (`n >= 3`, `n > 2.5`, `3 <= n`). A count is a
    /// whole number, so `n >= k` needs `ceil(k)` events and `n > k`
    /// `floor(k) + 1`; a NaN number makes the comparison false, which sets
    /// no floor worth having (0).
    fn events_needed(&self, counted: &impl Fn(u8) -> bool) -> u64 {
        let at_least = |k: f64, strict: bool| {
            if k.is_nan() {
                0
            } else if strict {
                // `as` saturates: a bound past u64 is u64::MAX, never met.
                (k.floor() + 1.0).max(0.0) as u64
            } else {
                k.ceil().max(0.0) as u64
            }
        };
        match (self.left, self.op, self.right) {
            (
                Term::Operand(Operand::Aggregate(i)),
                op @ (BinOp::Ge | BinOp::Gt),
                Term::Number(k),
            ) if counted(i) => at_least(k, op == BinOp::Gt),
            (
                Term::Number(k),
                op @ (BinOp::Le | BinOp::Lt),
                Term::Operand(Operand::Aggregate(i)),
            ) if counted(i) => at_least(k, op == BinOp::Lt),
            _ => 0,
        }
    }
}

impl Condition {
    /// Compiles a condition.
    pub(crate) fn of(e: &Expr) -> Condition {
        match e {
            Expr::Number(n) => Condition::Constant(truth(*n)),
            Expr::Not(inner) => Condition::Not(Box::new(Condition::of(inner))),
            Expr::Binary(op @ (BinOp::And | BinOp::Or), ..) => {
                let mut parts = Vec::new();
                e.chain(*op, &mut parts);
                let parts: Box<[Condition]> = parts.into_iter().map(Condition::of).collect();
                if *op == BinOp::And { Condition::All(parts) } else { Condition::Any(parts) }
            }
            Expr::Binary(
                op @ (BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne),
                a,
                b,
            ) => match (Term::of(a), Term::of(b)) {
                (Some(left), Some(right)) => Condition::Compare(Compare { op: *op, left, right }),
                _ => Condition::Tree(e.clone()),
            },
            _ => Condition::Tree(e.clone()),
        }
    }

    /// Whether it holds, reading operands on demand. A comparison, the
    /// most common conjunct, is answered where it is asked.
    #[inline]
    pub(crate) fn holds<O: Operands>(&self, v: &mut O) -> bool {
        match self {
            Condition::Compare(c) => c.holds(v),
            _ => self.holds_compound(v),
        }
    }

    /// The fewest events a window must hold for the condition to hold,
    /// where `counted(i)` says that aggregate `i` counts events of the
    /// window or distinct values they carry (one at most per event), so
    /// that its value is never above the number of events there: `n >= 3`
    /// needs three, `a >= 2 or b > 4` two, `a >= 2 and b >= 5` five. 0
    /// when the condition sets no such floor.
    pub(crate) fn events_needed(&self, counted: &impl Fn(u8) -> bool) -> u64 {
        match self {
            Condition::Compare(c) => c.events_needed(counted),
            Condition::All(parts) => {
                parts.iter().map(|c| c.events_needed(counted)).max().unwrap_or(0)
            }
            Condition::Any(parts) => {
                parts.iter().map(|c| c.events_needed(counted)).min().unwrap_or(0)
            }
            Condition::Constant(_) | Condition::Not(_) | Condition::Tree(_) => 0,
        }
    }

    fn holds_compound<O: Operands>(&self, v: &mut O) -> bool {
        match self {
            Condition::Compare(c) => c.holds(v),
            Condition::All(parts) => parts.iter().all(|c| c.holds(v)),
            Condition::Any(parts) => parts.iter().any(|c| c.holds(v)),
            Condition::Constant(b) => *b,
            Condition::Not(c) => !c.holds(v),
            Condition::Tree(e) => e.holds_with(v),
        }
    }
}

/// A parse error: byte offset in the expression and reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParseError {
    pub(crate) offset: usize,
    pub(crate) reason: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Number(f64),
    Name(String),
    Op(&'static str),
    LParen,
    RParen,
    Comma,
}

fn tokenize(text: &str) -> Result<Vec<(usize, Token)>, ParseError> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        if c.is_ascii_digit() || (c == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            while i < bytes.len()
                && (bytes[i].is_ascii_digit() || bytes[i] == b'_' || bytes[i] == b'.')
            {
                i += 1;
            }
            let literal: String = text[start..i].chars().filter(|&c| c != '_').collect();
            let n: f64 = literal.parse().map_err(|_| ParseError {
                offset: start,
                reason: format!("bad number {:?}", &text[start..i]),
            })?;
            out.push((start, Token::Number(n)));
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'.')
            {
                i += 1;
            }
            out.push((start, Token::Name(text[start..i].to_string())));
            continue;
        }
        let two = text.get(i..i + 2).unwrap_or("");
        let op: Option<&'static str> = match two {
            "<=" => Some("<="),
            ">=" => Some(">="),
            "==" => Some("=="),
            "!=" => Some("!="),
            "&&" => Some("and"),
            "||" => Some("or"),
            _ => None,
        };
        if let Some(op) = op {
            out.push((start, Token::Op(op)));
            i += 2;
            continue;
        }
        let token = match c {
            b'<' => Token::Op("<"),
            b'>' => Token::Op(">"),
            b'+' => Token::Op("+"),
            b'-' => Token::Op("-"),
            b'*' => Token::Op("*"),
            b'/' => Token::Op("/"),
            b'!' => Token::Op("not"),
            b'(' => Token::LParen,
            b')' => Token::RParen,
            b',' => Token::Comma,
            _ => {
                return Err(ParseError {
                    offset: start,
                    reason: format!("unexpected character {:?}", c as char),
                });
            }
        };
        out.push((start, token));
        i += 1;
    }
    Ok(out)
}

struct Parser<'a, R> {
    tokens: Vec<(usize, Token)>,
    pos: usize,
    end: usize,
    resolve: &'a mut R,
}

impl<R: FnMut(&str) -> Option<Operand>> Parser<'_, R> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos).map(|(_, t)| t)
    }

    fn offset(&self) -> usize {
        self.tokens.get(self.pos).map_or(self.end, |(o, _)| *o)
    }

    fn fail<T>(&self, reason: impl Into<String>) -> Result<T, ParseError> {
        Err(ParseError { offset: self.offset(), reason: reason.into() })
    }

    fn eat_op(&mut self, ops: &[&'static str]) -> Option<&'static str> {
        let op = match self.peek() {
            Some(Token::Op(op)) if ops.contains(op) => *op,
            Some(Token::Name(n))
                if (n == "and" || n == "or" || n == "not") && ops.contains(&n.as_str()) =>
            {
                ops.iter().copied().find(|o| *o == n)?
            }
            _ => return None,
        };
        self.pos += 1;
        Some(op)
    }

    fn expr(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.and()?;
        while self.eat_op(&["or"]).is_some() {
            let right = self.and()?;
            left = Expr::Binary(BinOp::Or, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.not()?;
        while self.eat_op(&["and"]).is_some() {
            let right = self.not()?;
            left = Expr::Binary(BinOp::And, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Expr, ParseError> {
        if self.eat_op(&["not"]).is_some() {
            return Ok(Expr::Not(Box::new(self.not()?)));
        }
        self.compare()
    }

    fn compare(&mut self) -> Result<Expr, ParseError> {
        let left = self.sum()?;
        let Some(op) = self.eat_op(&["<", "<=", ">", ">=", "==", "!="]) else {
            return Ok(left);
        };
        let right = self.sum()?;
        let op = match op {
            "<" => BinOp::Lt,
            "<=" => BinOp::Le,
            ">" => BinOp::Gt,
            ">=" => BinOp::Ge,
            "==" => BinOp::Eq,
            _ => BinOp::Ne,
        };
        if matches!(self.peek(), Some(Token::Op("<" | "<=" | ">" | ">=" | "==" | "!="))) {
            return self.fail("comparisons do not chain: write `a < b and b < c`");
        }
        Ok(Expr::Binary(op, Box::new(left), Box::new(right)))
    }

    fn sum(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.product()?;
        while let Some(op) = self.eat_op(&["+", "-"]) {
            let right = self.product()?;
            let op = if op == "+" { BinOp::Add } else { BinOp::Sub };
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn product(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.unary()?;
        while let Some(op) = self.eat_op(&["*", "/"]) {
            let right = self.unary()?;
            let op = if op == "*" { BinOp::Mul } else { BinOp::Div };
            left = Expr::Binary(op, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        if self.eat_op(&["-"]).is_some() {
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Expr, ParseError> {
        let offset = self.offset();
        match self.tokens.get(self.pos).map(|(_, t)| t.clone()) {
            Some(Token::Number(n)) => {
                self.pos += 1;
                Ok(Expr::Number(n))
            }
            Some(Token::LParen) => {
                self.pos += 1;
                let e = self.expr()?;
                if self.peek() != Some(&Token::RParen) {
                    return self.fail("expected `)`");
                }
                self.pos += 1;
                Ok(e)
            }
            Some(Token::Name(name)) => {
                self.pos += 1;
                match name.as_str() {
                    "true" => return Ok(Expr::Number(1.0)),
                    "false" => return Ok(Expr::Number(0.0)),
                    _ => {}
                }
                if self.peek() == Some(&Token::LParen) {
                    let func = match name.as_str() {
                        "min" => Func::Min,
                        "max" => Func::Max,
                        "abs" => Func::Abs,
                        other => {
                            return Err(ParseError {
                                offset,
                                reason: format!("unknown function `{other}` (min, max, abs)"),
                            });
                        }
                    };
                    self.pos += 1;
                    let mut args = vec![self.expr()?];
                    while self.peek() == Some(&Token::Comma) {
                        self.pos += 1;
                        args.push(self.expr()?);
                    }
                    if self.peek() != Some(&Token::RParen) {
                        return self.fail("expected `)` or `,`");
                    }
                    self.pos += 1;
                    if func == Func::Abs && args.len() != 1 {
                        return Err(ParseError { offset, reason: "abs takes one argument".into() });
                    }
                    return Ok(Expr::Call(func, args));
                }
                match (self.resolve)(&name) {
                    Some(op) => Ok(Expr::Operand(op)),
                    None => Err(ParseError { offset, reason: format!("unknown name `{name}`") }),
                }
            }
            Some(_) => self.fail("expected a number, a name or `(`"),
            None => self.fail("the expression ends too early"),
        }
    }
}

/// Parses `text`, resolving names with `resolve`.
pub(crate) fn parse(
    text: &str,
    mut resolve: impl FnMut(&str) -> Option<Operand>,
) -> Result<Expr, ParseError> {
    let tokens = tokenize(text)?;
    if tokens.is_empty() {
        return Err(ParseError { offset: 0, reason: "empty expression".into() });
    }
    let mut p = Parser { tokens, pos: 0, end: text.len(), resolve: &mut resolve };
    let e = p.expr()?;
    if p.pos < p.tokens.len() {
        return p.fail("unexpected text after the expression");
    }
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: Result<f64, &str>) {
        let names = ["n", "total", "ctr_threshold"];
        let parsed = parse(text, |name| match name {
            "amount" => Some(Operand::Amount),
            "ctr_threshold" => Some(Operand::Threshold(0)),
            _ => names.iter().position(|n| *n == name).map(|i| Operand::Aggregate(i as u8)),
        });
        let values =
            Values { aggregates: &[3.0, 25_000.0], amount: 9_500.0, thresholds: &[10_000.0] };
        match (parsed, expected) {
            (Ok(e), Ok(want)) => assert_eq!(e.eval(&values), want, "{text}"),
            (Err(e), Err(want)) => assert!(e.reason.contains(want), "{text}: {e:?}"),
            (got, want) => panic!("{text}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn expressions() {
        check("n >= 2 and total > ctr_threshold", Ok(1.0));
        check("n >= 4 or total < 1_000", Ok(0.0));
        check("amount >= 0.8 * ctr_threshold and amount < ctr_threshold", Ok(1.0));
        check("not (n > 2)", Ok(0.0));
        check("!(n > 5) && n > 1", Ok(1.0));
        check("total / n", Ok(25_000.0 / 3.0));
        check("total / 0", Ok(0.0));
        check("-n + 4 * (2 - 1)", Ok(1.0));
        check("max(n, 7, 2) + min(1, 2) + abs(-3)", Ok(11.0));
        check("n == 3 and n != 4", Ok(1.0));
        check("true and not false", Ok(1.0));
        check("n > ", Err("ends too early"));
        check("n > 2 > 1", Err("do not chain"));
        check("bogus > 1", Err("unknown name `bogus`"));
        check("sqrt(n)", Err("unknown function"));
        check("n $ 2", Err("unexpected character"));
        check("(n > 1", Err("expected `)`"));
        check("n 2", Err("unexpected text"));
        check("", Err("empty"));
    }

    #[test]
    fn threshold_not_in_force_makes_comparisons_false() {
        let e = parse("amount >= t", |n| {
            (n == "t").then_some(Operand::Threshold(0)).or(Some(Operand::Amount))
        })
        .unwrap();
        let values = Values { aggregates: &[], amount: 500.0, thresholds: &[f64::NAN] };
        assert!(!e.holds(&values));
        let e = parse("amount != t", |n| {
            (n == "t").then_some(Operand::Threshold(0)).or(Some(Operand::Amount))
        })
        .unwrap();
        assert!(!e.holds(&values));
    }

    #[test]
    fn and_chain_splits_and_answers_as_the_whole() {
        let names = ["a", "b", "c", "d"];
        let text = "a >= 2 and (b > 1 or c >= 3) and d > 0 and (a > 1 and c > 0)";
        let e = parse(text, |name| {
            names.iter().position(|n| *n == name).map(|i| Operand::Aggregate(i as u8))
        })
        .unwrap();
        let mut conjuncts = Vec::new();
        e.conjuncts(&mut conjuncts);
        assert_eq!(conjuncts.len(), 5);
        for bits in 0..256u32 {
            let aggregates: Vec<f64> = (0..4).map(|i| f64::from((bits >> (2 * i)) & 3)).collect();
            let values = Values { aggregates: &aggregates, amount: 0.0, thresholds: &[] };
            let mut v = Values { aggregates: &aggregates, amount: 0.0, thresholds: &[] };
            let parts = conjuncts.iter().all(|c| c.holds_with(&mut v));
            assert_eq!(parts, e.holds(&values), "{aggregates:?}");
        }
    }

    /// Records the aggregates read, in order.
    struct Reads<'a> {
        values: Values<'a>,
        read: Vec<u8>,
    }

    impl Operands for Reads<'_> {
        fn aggregate(&mut self, i: u8) -> f64 {
            self.read.push(i);
            self.values.aggregate(i)
        }

        fn amount(&self) -> f64 {
            self.values.amount
        }

        fn threshold(&self, i: u16) -> f64 {
            self.values.threshold(i)
        }
    }

    /// A compiled condition reads the same aggregates in the same order as
    /// its tree and gives the same answer, NaN thresholds included.
    #[test]
    fn conditions_answer_as_their_trees() {
        let names = ["a", "b", "c", "d"];
        let texts = [
            "a >= 2 and (b > 1 or c >= 3) and d > 0 and (a > 1 and c > 0)",
            "a >= 2 or b > t or (c >= 3 and d < 2)",
            "a > t or b > t",
            "a >= t and b >= 0.7 * a",
            "a >= 2 and b > 3 * c and c < 0.5 * t",
            "a == 2 or b != c or c != t",
            "a <= 1 and b < 2 or not (c >= 2)",
            "(a > 0 and b >= 2 and (b - a) / max(c, 1) >= 1) or (d >= 2 and c >= 0.3 * d)",
            "true",
            "false or a >= 3",
            "a",
            "not not (a >= 1 and b >= 1)",
            "a * 2 >= b and 2 * a >= b and amount >= 1",
            "-a < b or a - b >= 1",
        ];
        let thresholds = [[2.0], [f64::NAN]];
        for text in texts {
            let e = parse(text, |name| match name {
                "t" => Some(Operand::Threshold(0)),
                "amount" => Some(Operand::Amount),
                _ => names.iter().position(|n| *n == name).map(|i| Operand::Aggregate(i as u8)),
            })
            .unwrap();
            let compiled = Condition::of(&e);
            for t in &thresholds {
                for bits in 0..256u32 {
                    let aggregates: Vec<f64> =
                        (0..4).map(|i| f64::from((bits >> (2 * i)) & 3)).collect();
                    let values = || Values { aggregates: &aggregates, amount: 1.5, thresholds: t };
                    let mut tree = Reads { values: values(), read: Vec::new() };
                    let mut flat = Reads { values: values(), read: Vec::new() };
                    let want = e.holds_with(&mut tree);
                    assert_eq!(compiled.holds(&mut flat), want, "{text} {aggregates:?} {t:?}");
                    assert_eq!(flat.read, tree.read, "{text} {aggregates:?} {t:?}");
                }
            }
        }
        let shape = |text: &str| {
            let e = parse(text, |name| {
                names.iter().position(|n| *n == name).map(|i| Operand::Aggregate(i as u8))
            })
            .unwrap();
            Condition::of(&e)
        };
        assert!(matches!(shape("a >= 2 and b >= 0.7 * a"), Condition::All(p) if p.len() == 2
            && p.iter().all(|c| matches!(c, Condition::Compare(_)))));
        assert!(matches!(shape("(a - b) / 2 >= 1"), Condition::Tree(_)));
    }

    /// A window with fewer events than [`Condition::events_needed`] never
    /// satisfies the condition: over conditions of every shape and every
    /// combination of counted aggregates (each at most the number of
    /// events) and other values, the short-cut's "false" is the
    /// evaluation's answer.
    #[test]
    fn too_few_events_is_what_the_evaluation_says() {
        // a, b and c count events (or distinct values); d is a sum.
        let names = ["a", "b", "c", "d"];
        let counted = |i: u8| i < 3;
        let cases: [(&str, u64); 20] = [
            ("a >= 3", 3),
            ("a > 2", 3),
            ("a > 2.5", 3),
            ("a >= 2.5", 3),
            ("3 <= a", 3),
            ("2 < a", 3),
            ("a >= 0", 0),
            ("a >= -1", 0),
            ("a >= t", 0),
            ("d >= 5", 0),
            ("a >= 2 and b >= 4", 4),
            ("a >= 2 or b >= 4", 2),
            ("a >= 2 or d > 1", 0),
            ("(a >= 2 and d > 1) or (b >= 3 and c >= 4)", 2),
            ("a >= 5 and (b > 1 or c >= 3) and d > 0", 5),
            ("not (a < 3)", 0),
            ("a * 2 >= 6", 0),
            ("(a - b) / max(c, 1) >= 1 and c >= 2", 2),
            ("a == 3 or b != 2", 0),
            ("b >= 4 and d >= 0.7 * c and c >= 1", 4),
        ];
        let thresholds = [[2.0], [f64::NAN]];
        for (text, want) in cases {
            let e = parse(text, |name| match name {
                "t" => Some(Operand::Threshold(0)),
                _ => names.iter().position(|n| *n == name).map(|i| Operand::Aggregate(i as u8)),
            })
            .unwrap();
            let condition = Condition::of(&e);
            let needed = condition.events_needed(&counted);
            assert_eq!(needed, want, "{text}");
            for t in &thresholds {
                for held in 0..7u32 {
                    for bits in 0..(8u32 * 8 * 8 * 8) {
                        let aggregates: Vec<f64> =
                            (0..4).map(|i| f64::from((bits >> (3 * i)) & 7)).collect();
                        // Counted aggregates never exceed the events held.
                        if aggregates[..3].iter().any(|&v| v > f64::from(held)) {
                            continue;
                        }
                        let mut values =
                            Values { aggregates: &aggregates, amount: 1.5, thresholds: t };
                        if u64::from(held) < needed {
                            assert!(
                                !condition.holds(&mut values),
                                "{text} with {held} events: {aggregates:?} {t:?}"
                            );
                        }
                    }
                }
            }
        }
    }
}
