import pycountry, json
extra = {
 'us': ['United States of America','USA','U.S.A.','U.S.','US','America','American'],
 'gb': ['United Kingdom of Great Britain and Northern Ireland','UK','Great Britain','Britain','British','England','Scotland','Wales','Northern Ireland'],
 'ru': ['Russian Federation','Russia','Russian'],
 'kp': ["Korea, North","North Korea","Democratic People's Republic of Korea","DPRK","Korea, Democratic People's Republic of","North Korean"],
 'kr': ['Korea, South','South Korea','Republic of Korea','South Korean'],
 'ir': ['Iran (Islamic Republic of)','Iranian'],
 'sy': ['Syrian Arab Republic','Syria','Syrian'],
 'mx': ['Mexican','Estados Unidos Mexicanos','México'],
 've': ['Venezuela (Bolivarian Republic of)','Venezuelan','Venezuela, Bolivarian Republic of'],
 'sv': ['Salvadoran','Salvadorian'],
 'gt': ['Guatemalan'], 'hn': ['Honduran'], 'ni': ['Nicaraguan'], 'co': ['Colombian'], 'pe': ['Peruvian'],
 'ec': ['Ecuadorian','Ecuadorean'], 'cu': ['Cuban'], 'cn': ['Chinese',"People's Republic of China",'PRC','China, People\'s Republic of'],
 'hk': ['Hong Kong SAR','Hong Kong, China','Hong Kong Special Administrative Region'],
 'mo': ['Macau','Macao SAR'], 'tw': ['Taiwan, Province of China','Taiwanese','Chinese Taipei','Republic of China'],
 'af': ['Afghan'], 'iq': ['Iraqi'], 'pk': ['Pakistani'], 'sa': ['Saudi','Saudi Arabian'], 'ye': ['Yemeni'], 'so': ['Somali'],
 'sd': ['Sudanese'], 'ly': ['Libyan','Libyan Arab Jamahiriya'], 'lb': ['Lebanese'], 'jo': ['Jordanian'], 'eg': ['Egyptian'],
 'dz': ['Algerian'], 'ma': ['Moroccan'], 'tn': ['Tunisian'], 'ml': ['Malian'], 'ng': ['Nigerian'], 'ke': ['Kenyan'],
 'tr': ['Turkey','Turkish','Türkiye','Turkiye'], 'de': ['German'], 'fr': ['French'], 'es': ['Spanish'], 'it': ['Italian'],
 'ua': ['Ukrainian'], 'by': ['Belarusian','Belarus'], 'in': ['Indian'], 'id': ['Indonesian'], 'ph': ['Filipino','Philippine'],
 'my': ['Malaysian'], 'th': ['Thai'], 'vn': ['Vietnamese','Viet Nam','Vietnam'], 'la': ["Lao People's Democratic Republic",'Laos','Lao'],
 'mm': ['Burma','Burmese'], 'kh': ['Cambodian'], 'jp': ['Japanese'], 'ca': ['Canadian'], 'br': ['Brazilian'], 'ar': ['Argentine','Argentinian'],
 'cl': ['Chilean'], 'bo': ['Bolivia (Plurinational State of)','Bolivian','Bolivia'], 'py': ['Paraguayan'], 'uy': ['Uruguayan'],
 'pa': ['Panamanian'], 'cr': ['Costa Rican'], 'do': ['Dominican Republic'], 'ht': ['Haitian'], 'jm': ['Jamaican'],
 'ae': ['UAE','U.A.E.','Emirati'], 'qa': ['Qatari'], 'kw': ['Kuwaiti'], 'bh': ['Bahraini'], 'om': ['Omani'],
 'il': ['Israeli'], 'ps': ['Palestine','Palestinian','Palestinian Territories','Occupied Palestinian Territory','West Bank','Gaza','Gaza Strip','State of Palestine','Palestine, State of'],
 'md': ['Republic of Moldova','Moldova, Republic of','Moldova'], 'tz': ['United Republic of Tanzania','Tanzania','Tanzanian'],
 'cd': ['Congo, Democratic Republic of the','Democratic Republic of the Congo','DRC','Congo (Democratic Republic)','Congo, The Democratic Republic of the','Congolese'],
 'cg': ['Congo','Republic of the Congo','Congo, Republic of the','Congo (Brazzaville)'],
 'ci': ["Cote d'Ivoire","Côte d'Ivoire",'Ivory Coast'], 'cv': ['Cape Verde','Cabo Verde'], 'sz': ['Swaziland','Eswatini'],
 'mk': ['Macedonia','North Macedonia','The former Yugoslav Republic of Macedonia','Macedonia, The Former Yugoslav Republic of'],
 'cz': ['Czech Republic','Czechia'], 'bn': ['Brunei','Brunei Darussalam'], 'fm': ['Micronesia','Micronesia, Federated States of'],
 'va': ['Holy See','Vatican','Vatican City'], 'ba': ['Bosnia','Bosnia-Herzegovina','Bosnia and Herzegovina'], 'rs': ['Serbian'],
 'me': ['Montenegrin'], 'al': ['Albanian'], 'ge': ['Georgian'], 'am': ['Armenian'], 'az': ['Azerbaijani'], 'kz': ['Kazakh','Kazakhstani'],
 'kg': ['Kyrgyz','Kyrgyzstan'], 'tj': ['Tajik','Tajikistani'], 'tm': ['Turkmen'], 'uz': ['Uzbek','Uzbekistani'], 'er': ['Eritrean'],
 'et': ['Ethiopian'], 'ss': ['South Sudanese'], 'cf': ['Central African Republic','Central African'], 'gn': ['Guinean'], 'ne': ['Nigerien'],
 'bf': ['Burkinabe'], 'td': ['Chadian'], 'zw': ['Zimbabwean'], 'za': ['South African'], 'mz': ['Mozambican'], 'ao': ['Angolan'],
 'bd': ['Bangladeshi'], 'lk': ['Sri Lankan'], 'np': ['Nepalese','Nepali'], 'mv': ['Maldivian'], 'bt': ['Bhutanese'],
 'sg': ['Singaporean'], 'au': ['Australian'], 'nz': ['New Zealander'], 'nl': ['Dutch','Netherlands','The Netherlands','Holland'],
 'be': ['Belgian'], 'ch': ['Swiss'], 'at': ['Austrian'], 'se': ['Swedish'], 'no': ['Norwegian'], 'dk': ['Danish'], 'fi': ['Finnish'],
 'pl': ['Polish'], 'pt': ['Portuguese'], 'gr': ['Greek'], 'cy': ['Cypriot'], 'mt': ['Maltese'], 'ie': ['Irish'], 'ro': ['Romanian'],
 'bg': ['Bulgarian'], 'hu': ['Hungarian'], 'sk': ['Slovak'], 'si': ['Slovenian'], 'hr': ['Croatian'], 'lt': ['Lithuanian'],
 'lv': ['Latvian'], 'ee': ['Estonian'], 'is': ['Icelandic'], 'lu': ['Luxembourgish'], 'li': ['Liechtenstein'], 'mc': ['Monegasque'],
 'tt': ['Trinidad','Trinidadian'], 'bs': ['Bahamas','The Bahamas','Bahamian'], 'bb': ['Barbadian'], 'bz': ['Belizean'], 'gy': ['Guyanese'],
 'sr': ['Surinamese'], 'kn': ['Saint Kitts and Nevis','St. Kitts and Nevis'], 'lc': ['Saint Lucia','St. Lucia'], 'vc': ['Saint Vincent and the Grenadines','St. Vincent and the Grenadines'],
 'vg': ['British Virgin Islands','Virgin Islands, British','BVI'], 'vi': ['US Virgin Islands','Virgin Islands, U.S.'], 'ky': ['Cayman Islands'],
 'gm': ['Gambia','The Gambia','Gambian'], 'mr': ['Mauritanian'], 'sn': ['Senegalese'], 'gh': ['Ghanaian'], 'cm': ['Cameroonian'],
 'ug': ['Ugandan'], 'rw': ['Rwandan'], 'bi': ['Burundian'], 'zm': ['Zambian'], 'mw': ['Malawian'], 'mg': ['Malagasy'], 'dj': ['Djiboutian'],
 'km': ['Comoros','Comorian'], 'sc': ['Seychellois'], 'mu': ['Mauritian'], 'na': ['Namibian'], 'bw': ['Motswana','Botswanan'], 'ls': ['Basotho'],
 'lr': ['Liberian'], 'sl': ['Sierra Leonean'], 'tg': ['Togolese'], 'bj': ['Beninese'], 'gw': ['Guinea-Bissau','Bissau-Guinean'], 'gq': ['Equatorial Guinean'],
 'ga': ['Gabonese'], 'st': ['Sao Tome and Principe','São Tomé and Príncipe'], 'mn': ['Mongolian'], 'kw2': [],
 'sx': ['Sint Maarten'], 'cw': ['Curacao','Curaçao'], 'an': [],
}
special = [
 ('xk','XKX','Kosovo',['Kosovo','Republic of Kosovo','Kosovar']),
 ('suhh','SUN','Soviet Union',['Soviet Union','USSR','U.S.S.R.','Union of Soviet Socialist Republics']),
 ('csxx','SCG','Serbia and Montenegro',['Serbia and Montenegro']),
 ('yucs','YUG','Yugoslavia',['Yugoslavia','Federal Republic of Yugoslavia']),
 ('ddde','DDR','East Germany',['East Germany','German Democratic Republic']),
 ('ge-ab','','Abkhazia',['Abkhazia']),
 ('ua-cri','','Crimea',['Crimea','Autonomous Republic of Crimea']),
 ('ua-dpr','','Donetsk People\'s Republic',["Donetsk People's Republic",'DPR','DNR']),
 ('ua-lpr','','Luhansk People\'s Republic',["Luhansk People's Republic",'LPR','LNR']),
 ('zz','','Global',['Global','International','Worldwide']),
 ('eu','EUR','European Union',['European Union','EU']),
]
rows=[]
for c in pycountry.countries:
    code=c.alpha_2.lower()
    names=[c.name]
    for attr in ('official_name','common_name'):
        v=getattr(c,attr,None)
        if v: names.append(v)
    names += [n for n in extra.get(code,[])]
    disp = getattr(c,'common_name',None) or c.name
    seen=[]; [seen.append(n) for n in names if n not in seen]
    rows.append((code,c.alpha_3,disp,seen))
for code,a3,disp,names in special:
    rows.append((code,a3,disp,names))
rows.sort()
def esc(s): return s.replace('\\','\\\\').replace('"','\\"')
out=['//! Generated country table: ISO 3166-1 (from the pycountry package, which','//! follows the ISO registry), FollowTheMoney\'s extra codes, and the aliases','//! and demonyms sanctions lists use. Regenerate rather than edit by hand.','','/// (FollowTheMoney code, ISO alpha-3, display name, names and aliases).','pub(crate) const COUNTRIES: &[(&str, &str, &str, &[&str])] = &[']
for code,a3,disp,names in rows:
    out.append('    ("%s", "%s", "%s", &[%s]),' % (code,a3,esc(disp),', '.join('"%s"'%esc(n) for n in names)))
out.append('];')
open('/work/main/crates/model/src/country_table.rs','w').write('\n'.join(out)+'\n')
print(len(rows))
