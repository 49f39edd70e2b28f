//! The fixed tables the generator draws from: names, places, corridors,
//! institutions, memo texts. Written by hand for plausibility, not taken
//! from any data set.

/// A US location where customers live and branches or agents sit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Locality {
    #[expect(dead_code, reason = "names the row for readers of the table")]
    pub(crate) city: &'static str,
    pub(crate) state: &'static str,
    pub(crate) zip: &'static str,
    /// County FIPS code.
    pub(crate) county: &'static str,
    /// Relative share of customers living here.
    pub(crate) weight: u32,
    /// In the south-west border GTO area from 14 Apr 2025 (by county).
    pub(crate) gto_2025_04: bool,
    /// In the modified GTO area from 10 Sep 2025 (by ZIP or county).
    pub(crate) gto_2025_09: bool,
}

const fn loc(
    city: &'static str,
    state: &'static str,
    zip: &'static str,
    county: &'static str,
    weight: u32,
    gto_2025_04: bool,
    gto_2025_09: bool,
) -> Locality {
    Locality { city, state, zip, county, weight, gto_2025_04, gto_2025_09 }
}

/// Where customers live. The border and the large Mexican-American
/// communities are over-weighted, as they are in a remittance-heavy book.
pub(crate) const LOCALITIES: &[Locality] = &[
    loc("El Paso", "TX", "79901", "48141", 8, true, true),
    loc("El Paso", "TX", "79936", "48141", 5, true, true),
    loc("McAllen", "TX", "78501", "48215", 5, true, true),
    loc("Laredo", "TX", "78040", "48479", 4, true, true),
    loc("Brownsville", "TX", "78520", "48061", 4, true, true),
    loc("Eagle Pass", "TX", "78852", "48323", 2, true, true),
    loc("San Ysidro", "CA", "92173", "06073", 3, true, true),
    loc("San Diego", "CA", "92113", "06073", 4, true, true),
    loc("Chula Vista", "CA", "92154", "06073", 3, true, true),
    loc("Escondido", "CA", "92025", "06073", 2, true, false),
    loc("Calexico", "CA", "92231", "06025", 2, true, true),
    loc("El Centro", "CA", "92243", "06025", 1, true, false),
    loc("Yuma", "AZ", "85364", "04027", 2, false, true),
    loc("Nogales", "AZ", "85621", "04023", 2, false, true),
    loc("Tucson", "AZ", "85705", "04019", 3, false, false),
    loc("Phoenix", "AZ", "85009", "04013", 6, false, false),
    loc("Las Cruces", "NM", "88001", "35013", 2, false, false),
    loc("Albuquerque", "NM", "87105", "35001", 3, false, false),
    loc("Los Angeles", "CA", "90011", "06037", 10, false, false),
    loc("Santa Ana", "CA", "92701", "06059", 4, false, false),
    loc("Fresno", "CA", "93701", "06019", 3, false, false),
    loc("Houston", "TX", "77036", "48201", 8, false, false),
    loc("Dallas", "TX", "75211", "48113", 6, false, false),
    loc("San Antonio", "TX", "78207", "48029", 5, false, false),
    loc("Chicago", "IL", "60608", "17031", 6, false, false),
    loc("Miami", "FL", "33125", "12086", 4, false, false),
    loc("Atlanta", "GA", "30349", "13121", 3, false, false),
    loc("Charlotte", "NC", "28205", "37119", 2, false, false),
    loc("New York", "NY", "11368", "36081", 4, false, false),
    loc("Denver", "CO", "80204", "08031", 2, false, false),
    loc("Las Vegas", "NV", "89101", "32003", 2, false, false),
    loc("Seattle", "WA", "98108", "53033", 2, false, false),
];

/// States on the Mexican border.
pub(crate) const BORDER_STATES: &[&str] = &["CA", "AZ", "NM", "TX"];

/// Given names, mixed as the customer base is.
pub(crate) const GIVEN: &[&str] = &[
    "María",
    "José",
    "Juan",
    "Guadalupe",
    "Luis",
    "Ana",
    "Carlos",
    "Rosa",
    "Jesús",
    "Sofía",
    "Miguel",
    "Carmen",
    "Francisco",
    "Lucía",
    "Antonio",
    "Elena",
    "Jorge",
    "Patricia",
    "Pedro",
    "Verónica",
    "Alejandro",
    "Gabriela",
    "Ricardo",
    "Daniela",
    "Fernando",
    "Marisol",
    "Eduardo",
    "Claudia",
    "Raúl",
    "Andrea",
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Christopher",
    "Karen",
    "Daniel",
    "Nancy",
    "Matthew",
    "Lisa",
    "Anthony",
    "Betty",
    "Mark",
    "Sandra",
    "Steven",
    "Ashley",
    "Kevin",
    "Emily",
    "Brian",
    "Donna",
    "Nguyen",
    "Wei",
    "Mei",
    "Ahmed",
    "Fatima",
    "Olga",
    "Dmitri",
    "Priya",
    "Arjun",
    "Grace",
];

/// Family names.
pub(crate) const FAMILY: &[&str] = &[
    "García",
    "Martínez",
    "Hernández",
    "López",
    "González",
    "Rodríguez",
    "Pérez",
    "Sánchez",
    "Ramírez",
    "Torres",
    "Flores",
    "Rivera",
    "Gómez",
    "Díaz",
    "Cruz",
    "Morales",
    "Reyes",
    "Gutiérrez",
    "Ortiz",
    "Chávez",
    "Ramos",
    "Ruiz",
    "Mendoza",
    "Vásquez",
    "Castillo",
    "Jiménez",
    "Moreno",
    "Romero",
    "Herrera",
    "Medina",
    "Aguilar",
    "Vargas",
    "Castro",
    "Guzmán",
    "Salazar",
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Miller",
    "Davis",
    "Wilson",
    "Anderson",
    "Taylor",
    "Thomas",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Hill",
    "Nguyen",
    "Chen",
    "Wang",
    "Kim",
    "Patel",
    "Singh",
    "Khan",
    "Ivanov",
    "Cohen",
    "Murphy",
];

/// Business kinds: (NAICS, noun for names, cash-intensive).
pub(crate) const BUSINESSES: &[(&str, &str, bool)] = &[
    ("722511", "Restaurant", true),
    ("722513", "Taquería", true),
    ("445110", "Supermercado", true),
    ("445131", "Convenience Store", true),
    ("812310", "Laundromat", true),
    ("811192", "Car Wash", true),
    ("448140", "Boutique", true),
    ("441120", "Used Cars", true),
    ("238220", "Plumbing & Heating", false),
    ("484121", "Trucking", false),
    ("423120", "Auto Parts Wholesale", false),
    ("424720", "Fuel Distributors", false),
    ("531110", "Property Management", false),
    ("561720", "Cleaning Services", false),
    ("311811", "Panadería", true),
    ("453991", "Tobacco & Vape", true),
];

/// Legal-form suffixes for business names.
pub(crate) const LEGAL_FORMS: &[&str] = &["LLC", "Inc.", "Corp.", "LLC", "Co."];

/// Card merchants (external accounts at acquirers).
pub(crate) const MERCHANTS: &[&str] = &[
    "Grocery Outlet",
    "Shell",
    "Walgreens",
    "H-E-B",
    "Target",
    "Costco",
    "Home Depot",
    "Chevron",
    "Taco Bell",
    "McDonald's",
    "CVS",
    "Dollar General",
    "AutoZone",
    "Ross Stores",
    "Walmart",
    "Vallarta Supermarkets",
    "Northgate Market",
    "El Super",
    "Fiesta Mart",
    "Food 4 Less",
];

/// Bill payees: (name, kind) where kind 0 = power, 1 = phone, 2 = water,
/// 3 = insurance.
pub(crate) const UTILITIES: &[(&str, u8)] = &[
    ("El Paso Electric", 0),
    ("Southern California Edison", 0),
    ("Arizona Public Service", 0),
    ("TXU Energy", 0),
    ("AT&T", 1),
    ("T-Mobile", 1),
    ("Verizon Wireless", 1),
    ("City Water Utility", 2),
    ("State Farm", 3),
    ("Progressive Insurance", 3),
];

/// A remittance destination.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Destination {
    pub(crate) country: &'static str,
    pub(crate) region: &'static str,
    pub(crate) payer: &'static str,
    pub(crate) weight: u32,
}

const fn dest(
    country: &'static str,
    region: &'static str,
    payer: &'static str,
    weight: u32,
) -> Destination {
    Destination { country, region, payer, weight }
}

/// The corridors US → MX / GT / SV / HN, with typical payout institutions.
pub(crate) const DESTINATIONS: &[Destination] = &[
    dest("mx", "Jalisco", "Banco Azteca", 8),
    dest("mx", "Michoacán", "Elektra", 8),
    dest("mx", "Guanajuato", "BBVA México", 7),
    dest("mx", "Oaxaca", "Bansefi", 4),
    dest("mx", "Puebla", "Banorte", 4),
    dest("mx", "Zacatecas", "Coppel", 3),
    dest("mx", "Guerrero", "Banco Azteca", 4),
    dest("mx", "Chihuahua", "Banorte", 3),
    dest("mx", "Estado de México", "Santander México", 4),
    dest("gt", "Guatemala", "Banco Industrial", 5),
    dest("gt", "Huehuetenango", "Banrural", 3),
    dest("sv", "San Salvador", "Banco Agrícola", 4),
    dest("sv", "San Miguel", "Banco Cuscatlán", 2),
    dest("hn", "Francisco Morazán", "Banco Atlántida", 3),
    dest("hn", "Cortés", "Banco Ficohsa", 2),
];

/// The institutions named in the §2313a orders (prohibited from
/// 20 Oct 2025): (name as written on a transfer, CLABE bank code).
pub(crate) const SECTION_2313A: &[(&str, &str)] = &[
    ("CIBanco S.A. Institucion de Banca Multiple", "143"),
    ("Intercam Banco", "136"),
    ("Vector Casa de Bolsa S.A. de C.V.", "608"),
];

/// Mexican casas de cambio holding correspondent (nested) accounts.
pub(crate) const CASAS_DE_CAMBIO: &[&str] = &[
    "Casa de Cambio Frontera S.A. de C.V.",
    "Cambios del Norte S.A. de C.V.",
    "Divisas Tijuana S.A. de C.V.",
    "Casa de Cambio Juárez S.A. de C.V.",
];

/// Armored-car services.
pub(crate) const ARMORED_CAR: &[&str] =
    &["Brink's Armored Transport", "Loomis Armored US", "Garda CL Southwest"];

/// Memo texts of ordinary transfers.
pub(crate) const MEMOS: &[&str] = &[
    "",
    "rent",
    "invoice",
    "payroll",
    "family support",
    "para la familia",
    "gastos",
    "loan repayment",
    "dinner",
    "birthday",
    "supplies",
    "services rendered",
    "consulting",
    "tuition",
    "car payment",
];

/// The institution holding the simulated customers' accounts.
pub(crate) const HOME_BANK: &str = "Vigia Community Bank";
/// The money transmitter whose agents send the remittances.
pub(crate) const HOME_MSB: &str = "Vigia Money Transfer";
