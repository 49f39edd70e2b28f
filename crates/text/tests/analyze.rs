//! Snapshots of whole analyses: what the index and the scorer receive for
//! the names the screening issue names, one per line per part.

use std::fmt::Write;

use vigia_text::{NameKind, analyze, tag};

fn render(name: &str, kind: NameKind) -> String {
    let a = analyze(name, kind);
    let mut out = String::new();
    let _ = writeln!(out, "{name:?} as {kind:?} ({:?})", a.script);
    for f in &a.forms {
        let _ = writeln!(out, "  [{:?}] {}", f.script, f.text);
        for p in &f.parts {
            let space =
                p.symbol.and_then(tag::symbol_space).map(|t| format!("{t:?}")).unwrap_or_default();
            let _ = writeln!(
                out,
                "    {:<22} {:<10} sym={:<10} mph={:<7} skel={:<7}{}{}",
                p.text,
                format!("{:?}", p.tag),
                space,
                p.metaphone,
                p.skeleton,
                if p.raw == p.text { String::new() } else { format!(" raw={:?}", p.raw) },
                if p.joined_with_next { " +joined" } else { "" },
            );
        }
    }
    if !a.acronyms.is_empty() {
        let _ = writeln!(out, "  acronyms: {}", a.acronyms.join(", "));
    }
    out
}

#[test]
fn screening_names() {
    let cases: &[(&str, NameKind)] = &[
        ("Cártel del Golfo(CDG)", NameKind::Organization),
        ("Cártel de Jalisco Nueva Generación", NameKind::Organization),
        ("La Nueva Familia Michoacana", NameKind::Organization),
        ("Tren de Aragua", NameKind::Organization),
        ("Mara Salvatrucha (MS-13)", NameKind::Organization),
        ("Grupo Rodríguez, S.A. de C.V.", NameKind::Organization),
        ("OOO \"Romashka\"", NameKind::Organization),
        ("ООО «Ромашка»", NameKind::Organization),
        ("Joaquín Archivaldo Guzmán Loera", NameKind::Person),
        ("Sheikh Mohammed bin Rashid Al Maktoum", NameKind::Person),
        ("J. Smith", NameKind::Person),
        ("Mаria Lopez", NameKind::Person),
        ("Шойгу Сергей Кужугетович", NameKind::Person),
        ("Κωνσταντίνος Καραμανλής", NameKind::Person),
        ("أسامة بن لادن", NameKind::Person),
        ("金正恩", NameKind::Person),
        ("山田太郎", NameKind::Person),
        ("Ocean Star II", NameKind::Object),
    ];
    let mut all = String::new();
    for (name, kind) in cases {
        all.push_str(&render(name, *kind));
    }
    insta::assert_snapshot!(all);
}
