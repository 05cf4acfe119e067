//! The audit trail's one rule: which field names hold secrets.
//!
//! The TypeScript layer writes audit rows; before it stores an event it walks the event and
//! replaces the value under every key for which [`is_secret_key`] is true. The rule lives here,
//! and only here, so that the browser, Node and Convex agree on it and it is tested once
//! (`tests/vectors/audit.json` is answered by Rust and by the built package).

/// Fragments that mark a field name as secret, in normalized form (ASCII lower case, letters
/// and digits only). A name is secret when its normalized form contains any of them, unless the
/// word it is in, from that word's start to the fragment's end, is one of [`KEPT_WORDS`].
///
/// Containment, not equality, fails closed: `apiKey`, `x-api-key`, `STRIPE_API_KEY`,
/// `refresh_token`, `clientSecret`, `confirmationCode` and `Set-Cookie` are all secret. The
/// price is over-redaction of harmless names that contain a fragment (`tokenizer`,
/// `barcode`): put such values under another name if they must be kept. The ordinary
/// two-word names are [`KEPT_PAIRS`] (`errorCode`, `prompt_tokens`), and a name whose last
/// word is a time or a count is kept whole ([`KEPT_LAST_WORDS`]: `tokenCount`).
///
/// Besides the long words no ordinary name contains, the short ones that only secrets contain:
/// `pswd`, `csrf` and `xsrf` (`csrfToken`, `XSRF-TOKEN`, `x-csrf`), `sessid` (`PHPSESSID`,
/// `phpsessid`, `sessId`). `session` and `pwd` are fragments too, so a name in one case that
/// starts with them and goes on is secret (`sessiondata`, `pwdhash`): the ordinary words that
/// contain `session` are kept ([`KEPT_WORDS`]: `possession`, `obsession`, also followed by
/// anything: `possessions`), those that contain `pwd` are none. `sessional` and `repossession`
/// are redacted, fail closed. `connectionString` (and `connStr`), `seedPhrase`, `recoveryPhrase`,
/// `securityAnswer`, a card number (`cardnum`: `cardNumber`, `cardNum`, `creditCardNumber`),
/// `socialSecurityNumber`, `samlResponse`, `kubeconfig`, `privatePem`, `privateJwk` and the SSH
/// key files `id_rsa`, `id_ed25519` and `id_ecdsa` are whole names, not words: `phrase` alone
/// (`searchPhrase`), `answer`, `cardId`, `cardLast4`, `social`, `private` and `publicPem` are
/// kept, `discardNumber` and `id_rsa.pub` redacted (fail closed). `assertion` is a bearer
/// credential wherever it stands (`samlAssertion`, OAuth's `client_assertion`). A bank account
/// number is secret as a card number is (`accountnum`: `accountNumber`, `bankAccountNumber`;
/// a customer's account number is redacted too, fail closed).
pub const SECRET_FRAGMENTS: &str = "code secret token password passwd pswd passphrase apikey \
    authorization bearer cookie credential privatekey signature mnemonic jwt session pwd csrf \
    xsrf sessid connectionstring connstr seedphrase recoveryphrase securityanswer cardnum \
    socialsecurity samlresponse assertion kubeconfig privatepem privatejwk idrsa ided25519 idecdsa \
    accountnum";

/// Words that mark a field name as secret when one ends a word of it ([`is_secret_key`] splits
/// a name into words at separators, at camelCase humps, around the last capital of an acronym
/// followed by lower case, and between letters and digits), alone or followed by one of
/// [`SECRET_WORD_SUFFIXES`]: short words that are parts of ordinary words, so containment would
/// redact those too. `stripeKey`, `signing_key`, `accessKeyId`, `PIN`, `otpSent`, `authHeader`
/// and `SSN` are secret, and so are their plurals (`stripeKeys`, `PINs`, `ssns`) and the names
/// written without word boundaries that end in one (`stripekey`, `dbpw`, `totp`, `hotp`);
/// `keyboard`, `pinned`, `spinner`, `opinion`, `author` and `footprint` are not (no secret word
/// ends a word there), nor are the words of [`KEPT_WORDS`].
///
/// The words, and what stays kept: `key`, `pin`, `otp`, `auth`, `ssn`; `pass` (a password:
/// `pass`, `dbPass`, `passId`; `passenger`, `passport`, `passed` are kept, and `bypass` and
/// `compass` are [`KEPT_WORDS`]; the plural `passes` is an ordinary word and kept, while
/// `boardingPass` and `passThrough` are redacted: fail closed); `pw` (`newPw`, `pws`; `pwa` is
/// kept); `cred` (`creds`, `dbCreds`; `credit`, `incredible`, `accredited` are kept, `sacred`
/// redacted); `sig` (`hmacSig`, `sigs`; `signal`, `signup`, `signIn`, `design`, `sigma` are
/// kept); `dsn` (`sentryDsn`: as a fragment it would redact `fieldsName`); `cvv` and `cvc`
/// (`cardCvv`, `CVC`, `cvv2`); `refresh` (`refresh`, `oldRefresh`: a refresh token under a short
/// name; `refreshedAt`, `lastRefreshed`, `refreshing` are kept, `refreshes` too, while
/// `autoRefresh` and `refreshInterval` are redacted; `refreshCount` is a count,
/// [`KEPT_LAST_WORDS`]); `psk` (`wifiPsk`; `upskill` is kept); `pfx` (`certPfx`); `seed`
/// (`walletSeed`, `masterSeed`, `seeds`; `seedling`, `seeded` are kept, while `seedData`,
/// `reseed` and `aniseed` are redacted: fail closed).
///
/// A name without word boundaries that starts with one of these words and goes on
/// (`authheader`, `pinnumber`, `passhash`) cannot be told from `keyboard`, `author` or `pinned`
/// without a dictionary and is kept: write it `authHeader` or `auth_header`.
pub const SECRET_WORDS: &str =
    "key pin otp auth ssn pass pw cred sig dsn cvv cvc refresh psk pfx seed";

/// Words that mark a field name as secret only as a whole word of it: starting a word, and
/// ending one alone or followed by one of [`SECRET_WORD_SUFFIXES`]. `sid` (a session id:
/// `sid`, `userSid`, `user_sid`, `SID`, `sids`, `accountSid`): ended by letters it would redact
/// `statusId`, `processId`, `classId` and `addressId` (the `s` of one word, the `id` of the
/// next), and `ssid`; `PHPSESSID` is secret by the fragment `sessid`. `inside`, `outside`,
/// `beside`, `reside`, `consider` and `side` are kept; so is `usersid` written in one case.
/// `pan`, a payment card number (`pan`, `PAN`, `cardPan`, `pans`): `company`, `panel`, `span`,
/// `expand`, `japan` and `panorama` are kept; `panX` and `panOffset` (a view's pan) are
/// redacted, fail closed. `pat`, a personal access token (`GITHUB_PAT`, `githubPat`, `pats`):
/// `path`, `patch`, `pattern`, `patient` and `compat` are kept. `webhook`, a field holding a
/// webhook's URL, its own credential (`slackWebhook`, `DISCORD_WEBHOOK`, `webhooks`; `webhookId`
/// and `webhookEvent` are redacted too, fail closed). `iban`, a bank account number (`iban`,
/// `IBAN`, `payoutIban`; `Ibanez` is one word and kept).
pub const SECRET_WHOLE_WORDS: &str = "sid pan pat webhook iban";

/// What may follow a secret word for it to still count: nothing, a plural `s`, `id` or `ids`
/// (`keys`, `PINs`, `pinid`, `SIDS`). Then the name has a word boundary or ends.
pub const SECRET_WORD_SUFFIXES: [&str; 4] = ["", "s", "id", "ids"];

/// Ordinary words that end in a secret word or fragment, kept although they do: a secret word
/// that ends a word of the name, after letters of the same word, or a fragment inside a word,
/// does not count when that word, from its start to the secret word's or fragment's end
/// (normalized), is one of these. Only words a field name may plausibly be are listed; any
/// other (`turnkey`, `hairpin`, `oauth`, `overpass`, `repossession`) is redacted: fail closed.
pub const KEPT_WORDS: &str = "monkey donkey turkey hockey jockey whiskey hotkey spin possession \
    obsession bypass compass";

/// What a URL, URI or link ([`URL_WORDS`]) is named after for it to be secret: a word of the
/// name ends in one of these (followed by one of [`SECRET_WORD_SUFFIXES`]), and a URL word ends
/// a later word (or the same word, after it), also followed by a suffix. Two kinds of URL
/// carry a credential: a connection URL (a database, cache, queue or mail server's, which
/// holds its password: `databaseUrl`, `DATABASE_URL`, `SHADOW_DATABASE_URL`, `MONGODB_URI`,
/// `mongoUrl`, `REDIS_URL`, `POSTGRES_PRISMA_URL`, `KV_URL`, `RABBITMQ_URL`, `brokerUrl`,
/// `SMTP_URL`, `connectionUri`), a webhook's (`SLACK_WEBHOOK_URL`, `hookUrl`), an Azure shared
/// access signature's (`sasUrl`, `SAS_URI`); and a bearer
/// link, whose holder is let in (`magicLink`, `resetLink`, `presignedUrl`, `signedUploadUrl`,
/// `inviteLink`, `invitationUrl`, `verifyUrl`, `verificationLink`, `confirmUrl`,
/// `confirmationLink`, `loginLink`, `LOGIN_URL`). Kept: the URLs named after anything else
/// (`url`, `imageUrl`, `callbackUrl`, `redirectUrl`, `feedbackUrl`, `sandboxUrl`: `db` does not
/// end a word there),
/// the kinds without a URL word (`database`, `dbName`, `hook`, `login`, `magicNumber`,
/// `resetCount`), and a URL before its kind (`urlDatabase`). `presetUrl` and `unsignedUrl` are
/// redacted, fail closed. A name in one case (`databaseurl`) has no word for the kind to end,
/// and is kept: write it `databaseUrl` or `DATABASE_URL`.
pub const URL_KINDS: &str = "database db sql postgres mongo redis kv amqp mq broker smtp hook \
    connection sas magic reset signed invite invitation verify verification confirm confirmation \
    login";

/// The URL words of [`URL_KINDS`]: `url`, `uri`, `link` (also `urls`, `linkId`...).
pub const URL_WORDS: &str = "url uri link";

/// Ordinary two-word names whose second word begins with a secret word or fragment, kept when
/// one of these is the whole name (in any case, with or without a separator): public codes
/// (`errorCode`, `statusCode`, `exitCode`, `countryCode`, `zipCode`, `postalCode`, `postcode`,
/// `currencyCode`, `languageCode`); keys that name a record or a public key, not a secret
/// (`sortKey`, `partitionKey`, `idempotencyKey`, `publicKey`, `foreignKey`); and a language
/// model's token counts (`prompt_tokens`, `completion_tokens`, `total_tokens`, `max_tokens`,
/// `input_tokens`, `output_tokens`, `cached_tokens`, `reasoning_tokens`: plural only, so
/// `cachedToken` and `inputToken` are secret, as are `tokens`, `userTokens` and `usedTokens`).
/// Exactly these, whole: plurals (`errorCodes`, `publicKeys`), other words before or after the
/// pair (`signingPrimaryKey`, `hmacPublicKey`, `primaryKeyValue`, `publicKeyId`,
/// `maxOutputTokens`, `prompt_tokens_details`), other words in the pair (`inviteCode`,
/// `promoCode`, `cacheKey`, `routingKey`) and a longer word (`unzipCode`) are redacted, fail
/// closed. `primaryKey` is no pair: Azure's `listKeys` answers `primaryKey` and `secondaryKey`,
/// both credentials.
pub const KEPT_PAIRS: &str = "errorcode statuscode exitcode countrycode zipcode postalcode \
    postcode currencycode languagecode sortkey partitionkey idempotencykey publickey \
    foreignkey prompttokens completiontokens totaltokens maxtokens inputtokens outputtokens \
    cachedtokens reasoningtokens";

/// Last words that make a name a time or a count, never a secret: a name whose last word is one
/// of these is kept, whatever comes before it (`passwordChangedAt`, `passwordUpdatedAt`,
/// `tokenExpiresAt`, `PASSWORD_CHANGED_AT`, `magicLinkSentAt`, `tokenCount`, `sessionCount`,
/// `refreshCount`, `promptTokenCount`). Only these two: `tokenCounts`, `tokenExpiry`,
/// `sessionTimeout` and `passwordLength` are redacted, fail closed, and so is a name in one
/// case (`passwordchangedat`: `at` is no word of it).
pub const KEPT_LAST_WORDS: &str = "at count";

/// Longest normalized name compared; a longer name is secret (fail closed) without looking.
pub const MAX_KEY_LEN: usize = 256;

/// Whether values stored under the field name `key` must never be stored.
///
/// A name holding any non-ASCII character is secret (fail closed): a look-alike letter
/// (fullwidth `ｐａｓｓｗｏｒｄ`, a Cyrillic `а` in `pаssword`) or an invisible one
/// (`pass\u{200b}word`) would otherwise hide a secret word, and telling letters from other
/// characters would take Unicode tables the engine does not carry. Otherwise the name is
/// normalized: ASCII letters are lower-cased, ASCII digits kept, and every other character
/// (`_`, `-`, `.`, spaces) dropped, so `api_key`, `API-KEY`, `apiKey` and `Api Key` are one
/// name. Its words start at each change between lower case, upper case, digits and separators
/// but for a capital followed by lower case (`Key`), and both at the last capital of an acronym
/// followed by lower case and at the lower case after it: `APIKey` is `API`, `Key`, and
/// `PINnumber` and `SSNlast4` are `PIN`, `number` and `SSN`, `last`, `4` as well (one of the two
/// readings is the one meant, and a secret word in either counts).
///
/// A name that is one of [`KEPT_PAIRS`], whole, or whose last word is one of
/// [`KEPT_LAST_WORDS`], is kept. Otherwise it is secret when
/// it contains one of [`SECRET_FRAGMENTS`]; when one of [`SECRET_WORDS`], followed by one of
/// [`SECRET_WORD_SUFFIXES`], ends at a word boundary (or the name's end); when one of
/// [`SECRET_WHOLE_WORDS`], followed by one of the suffixes, starts at a word boundary and ends
/// at one; when a word ends in one of [`URL_KINDS`] and one of [`URL_WORDS`] ends a word after
/// it (both as [`SECRET_WORDS`] do); or when it is longer than [`MAX_KEY_LEN`]. A fragment or
/// word does not count when the word it is in, from that word's start to the fragment's or
/// word's end, is one of [`KEPT_WORDS`].
///
/// ```
/// use convex_guard::audit::is_secret_key;
/// for k in ["code", "apiKey", "api_key", "API-KEY", "x-api-key", "refreshToken", "Password"] {
///     assert!(is_secret_key(k), "{k}");
/// }
/// for k in ["stripeKey", "accessKeyId", "PIN", "otp", "sessionId", "p\u{430}ssword"] {
///     assert!(is_secret_key(k), "{k}");
/// }
/// for k in ["stripeKeys", "PINs", "stripekey", "SESSIONID", "totp", "hotp", "PINnumber"] {
///     assert!(is_secret_key(k), "{k}");
/// }
/// for k in ["pass", "dbPw", "creds", "sid", "PHPSESSID", "csrf", "cvv", "sig", "sentryDsn"] {
///     assert!(is_secret_key(k), "{k}");
/// }
/// for k in ["action", "userId", "resourceType", "status", "email", "keyboard", "pinned", "author"] {
///     assert!(!is_secret_key(k), "{k}");
/// }
/// for k in ["monkey", "turkey", "hockey", "spinach", "opinion", "possession", "bypass"] {
///     assert!(!is_secret_key(k), "{k}");
/// }
/// for k in ["statusId", "inside", "design", "signal", "credit", "passenger", "refreshedAt"] {
///     assert!(!is_secret_key(k), "{k}");
/// }
/// for k in ["databaseUrl", "REDIS_URL", "magicLink", "cardNumber", "pan", "walletSeed"] {
///     assert!(is_secret_key(k), "{k}");
/// }
/// for k in ["imageUrl", "company", "errorCode", "publicKey", "prompt_tokens", "tokenCount"] {
///     assert!(!is_secret_key(k), "{k}");
/// }
/// ```
pub fn is_secret_key(key: &str) -> bool {
    is_secret_name(key.as_bytes())
}

/// [`is_secret_key`] of a name's UTF-8 bytes (bytes that are not UTF-8 are not ASCII either,
/// so they make the name secret: the engine's binding passes its input unvalidated).
pub fn is_secret_name(bytes: &[u8]) -> bool {
    let mut norm = [0u8; MAX_KEY_LEN];
    // `starts[i]`: a word of the name starts at `norm[i]` (or the name ends there).
    let mut starts = [false; MAX_KEY_LEN + 1];
    let mut len = 0usize;
    // The previous byte's class and the one before: 0 a separator, 1 lower case, 2 upper
    // case, 3 a digit.
    let (mut prev, mut before) = (0u8, 0u8);
    // Where the last word starts.
    let mut last = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if !b.is_ascii() {
            return true;
        }
        let class = match b {
            b'a'..=b'z' => 1,
            b'A'..=b'Z' => 2,
            b'0'..=b'9' => 3,
            _ => 0,
        };
        // A word starts at a change of class, but for a capital followed by lower case
        // (`Key`); at the last capital of an acronym followed by lower case (`APIKey`); and at
        // the lower case after it (`PINnumber`).
        let next_lower = bytes.get(i + 1).is_some_and(u8::is_ascii_lowercase);
        let start = (class != prev && !(prev == 2 && class == 1 && before != 2))
            || (prev & class == 2 && next_lower);
        (before, prev) = (prev, class);
        if class == 0 {
            continue;
        }
        match (norm.get_mut(len), starts.get_mut(len)) {
            (Some(slot), Some(word)) => {
                *slot = b.to_ascii_lowercase();
                *word = start;
                if start {
                    last = len;
                }
            }
            _ => return true,
        }
        len += 1;
    }
    if let Some(end) = starts.get_mut(len) {
        *end = true;
    }
    let name = norm.get(..len).unwrap_or_default();
    // An ordinary two-word name, whole (`errorCode`, `prompt_tokens`), or a last word that makes
    // it a time or a count (`passwordChangedAt`, `tokenCount`), is no secret.
    if is_in(KEPT_PAIRS, name) || is_in(KEPT_LAST_WORDS, name.get(last..).unwrap_or_default()) {
        return false;
    }
    has(name, &starts, 0, SECRET_FRAGMENTS, Match::Inside).is_some()
        || has(name, &starts, 0, SECRET_WORDS, Match::EndsWord).is_some()
        || has(name, &starts, 0, SECRET_WHOLE_WORDS, Match::WholeWord).is_some()
        || has(name, &starts, 0, URL_KINDS, Match::EndsWord)
            .is_some_and(|end| has(name, &starts, end, URL_WORDS, Match::EndsWord).is_some())
}

/// How a secret word must lie in a name to count (see [`is_secret_key`]).
#[derive(Clone, Copy, PartialEq)]
enum Match {
    /// Anywhere ([`SECRET_FRAGMENTS`]).
    Inside,
    /// Ending a word, followed by a suffix ([`SECRET_WORDS`], [`URL_KINDS`], [`URL_WORDS`]).
    EndsWord,
    /// Starting a word and ending one, followed by a suffix ([`SECRET_WHOLE_WORDS`]).
    WholeWord,
}

/// The words of a space-separated list.
fn list(words: &'static str) -> impl Iterator<Item = &'static [u8]> {
    words.as_bytes().split(|&b| b == b' ')
}

/// Where the first of `words` that lies in `name` as `how` says ends, if one does: `starts` is
/// [`is_secret_key`]'s (where the words of `name` start, and its end); a word that ends a kept
/// word never counts. Every suffix's start, compared by prefix: unlike
/// `windows`, no size-zero panic path (and its message) is linked into the wasm. One function
/// for every list, out of line, so that none is unrolled into the engine's code.
#[inline(never)]
fn has(
    name: &[u8],
    starts: &[bool],
    from: usize,
    words: &'static str,
    how: Match,
) -> Option<usize> {
    let at = |i: usize| starts.get(i) == Some(&true);
    // The start of the word holding `name[i]`: the last start at or before it.
    let mut start = 0;
    for i in 0..name.len() {
        if at(i) {
            start = i;
        }
        if i < from {
            continue;
        }
        let rest = name.get(i..).unwrap_or_default();
        let found = list(words).find(|w| {
            let after = rest.get(w.len()..).unwrap_or_default();
            let end = i + w.len();
            rest.starts_with(w)
                && (how == Match::Inside
                    || SECRET_WORD_SUFFIXES
                        .iter()
                        .any(|x| after.starts_with(x.as_bytes()) && at(end + x.len())))
                && (how != Match::WholeWord || at(i))
                && !is_in(KEPT_WORDS, name.get(start..end).unwrap_or_default())
        });
        if let Some(w) = found {
            return Some(i + w.len());
        }
    }
    None
}

/// Whether `word` is one of `words`.
fn is_in(words: &'static str, word: &[u8]) -> bool {
    list(words).any(|k| k == word)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn separators_case_and_invisible_characters_do_not_hide_a_secret() {
        for k in [
            "CODE",
            "confirmation_code",
            "clientSecret",
            "pass\u{200b}word",
            "Set-Cookie",
            "Authorization",
            "private.key",
            "DB_PASSWD",
            "aws_credentials",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
    }

    #[test]
    fn short_secret_words_count_as_whole_words() {
        for k in [
            "stripeKey",
            "signing_key",
            "accessKeyId",
            "HMACKey",
            "PIN",
            "userPin",
            "pin2",
            "otpSent",
            "authHeader",
            "sessionId",
            "SSNLast4",
            "dbPwd",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
        for k in [
            "keyboard",
            "monkey",
            "pinned",
            "PINNED",
            "spinner",
            "opinion",
            "author",
            "authorId",
            "possession",
            "business",
            "footprint",
            "Keyboard",
        ] {
            assert!(!is_secret_key(k), "{k}");
        }
    }

    #[test]
    fn plurals_of_secret_words_and_fragments_are_secret() {
        for k in [
            "stripeKeys",
            "PINs",
            "ssns",
            "SSNs",
            "apiKeys",
            "tokens",
            "secrets",
            "passwords",
            "keys",
            "KEYs",
            "OTPs",
            "sessions",
            "dbPwds",
            "sessionIds",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
    }

    #[test]
    fn one_time_password_names_are_secret() {
        for k in [
            "totp",
            "hotp",
            "TOTP",
            "HOTP",
            "totpUri",
            "hotpCounter",
            "emailotp",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
    }

    #[test]
    fn a_secret_word_ending_a_name_without_boundaries_is_secret() {
        for k in [
            "SESSIONID",
            "sessionid",
            "SESSIONIDS",
            "stripekey",
            "STRIPEKEY",
            "apikey",
            "keyid",
            "userpin",
            "dbpwd",
            "userssn",
            "sessionkey",
            "userkey",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
        // Ordinary words that end in one, not listed as kept: redacted (fail closed).
        for k in ["turnkey", "hairpin", "oauth", "xmonkey"] {
            assert!(is_secret_key(k), "{k}");
        }
    }

    #[test]
    fn kept_words_and_words_a_secret_word_does_not_end_are_kept() {
        for k in [
            "monkey",
            "Monkeys",
            "turkey",
            "hockey",
            "donkey",
            "jockey",
            "whiskey",
            "hotkey",
            "HOTKEYS",
            "spin",
            "spins",
            "possession",
            "possessionIds",
            "obsession",
        ] {
            assert!(!is_secret_key(k), "{k}");
        }
        for k in [
            "keynote",
            "keyword",
            "pinpoint",
            "spinach",
            "authority",
            "hotplate",
            "classname",
            "businessname",
        ] {
            assert!(!is_secret_key(k), "{k}");
        }
        // A kept word is the whole word: a secret word starting its own word still counts.
        assert!(is_secret_key("monKey"));
        assert!(is_secret_key("monkeyKey"));
        // A name without boundaries that starts with a secret word and goes on: kept.
        assert!(!is_secret_key("authheader") && is_secret_key("authHeader"));
        assert!(!is_secret_key("passhash") && is_secret_key("passHash"));
        // A fragment is contained, whatever surrounds it.
        assert!(is_secret_key("tokenizer"));
    }

    #[test]
    fn the_attackers_names_are_secret_in_every_form() {
        let names = "pass dbPass db_pass DB_PASS passId pass_ids userpass pw newPw new_pw NEW_PW \
            pws dbpw pswd userPswd USER_PSWD creds cred dbCreds DB_CREDS credId awscreds sid sids \
            userSid user_sid SID accountSid sidId connect.sid PHPSESSID phpsessid sessId csrf \
            csrfToken x-csrf X-XSRF xsrf cvv CVV cardCvv card_cvv cvv2 cvc CVC cardCvc cvcs sig \
            sigs hmacSig hmac_sig SIG sigId dsn DSN sentryDsn SENTRY_DSN dsns connectionString \
            connection_string CONNECTION_STRING dbConnectionString refresh oldRefresh REFRESH \
            refreshIds seedPhrase seed_phrase SEED_PHRASE recoveryPhrase recovery_phrase \
            securityAnswer security_answer SECURITY_ANSWERS";
        for k in names.split_whitespace() {
            assert!(is_secret_key(k), "{k}");
        }
    }

    #[test]
    fn an_acronym_run_into_the_next_word_is_read_both_ways() {
        for k in [
            "PINnumber",
            "SSNlast4",
            "userPINcode",
            "OTPsent",
            "APIKEYvalue",
            "CVVcheck",
            "DSNurl",
            "SIDvalue",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
        // The other reading still counts too, and ordinary acronyms stay kept.
        for k in ["HMACKey", "APIKey", "PINs", "SSNs"] {
            assert!(is_secret_key(k), "{k}");
        }
        for k in [
            "URLs",
            "APIs",
            "HTMLparser",
            "IDs",
            "userIDs",
            "MONKEYs",
            "HOTKEYs",
        ] {
            assert!(!is_secret_key(k), "{k}");
        }
    }

    #[test]
    fn one_case_names_starting_with_session_or_pwd_are_secret() {
        for k in [
            "sessiondata",
            "SESSIONDATA",
            "sessioninfo",
            "mysessiondata",
            "sessional",
            "repossession",
            "pwdhash",
            "PWDRESET",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
        // `possession` and `obsession` are kept, and so is what follows them in their word.
        for k in [
            "possessions",
            "possessionCount",
            "obsessions",
            "POSSESSIONS",
        ] {
            assert!(!is_secret_key(k), "{k}");
        }
        // A kept word is the whole word: `session` starting its own word counts.
        assert!(is_secret_key("posSession") && is_secret_key("xpossession"));
    }

    #[test]
    fn ordinary_words_near_the_new_secret_words_are_kept() {
        for k in [
            "bypass",
            "bypassCache",
            "BYPASS",
            "compass",
            "compassHeading",
            "passenger",
            "passengerId",
            "passport",
            "passed",
            "passes",
            "passing",
            "pwa",
            "PWA",
            "pwaInstalled",
            "credit",
            "creditCard",
            "incredible",
            "accredited",
            "inside",
            "outside",
            "beside",
            "reside",
            "consider",
            "side",
            "sideId",
            "sidebar",
            "ssid",
            "bssid",
            "statusId",
            "processId",
            "classId",
            "addressId",
            "businessId",
            "statusid",
            "processid",
            "usersid",
            "design",
            "designId",
            "signal",
            "signup",
            "signUp",
            "signIn",
            "sigma",
            "fieldsName",
            "recordsNumber",
            "refreshedAt",
            "lastRefreshed",
            "refreshing",
            "refreshes",
            "searchPhrase",
            "phrase",
            "answer",
            "securityQuestion",
            "connection",
            "connectionId",
        ] {
            assert!(!is_secret_key(k), "{k}");
        }
        // Decided redactions (fail closed): plausible names a secret word ends.
        for k in [
            "boardingPass",
            "passThrough",
            "overpass",
            "sacred",
            "autoRefresh",
            "refreshInterval",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
    }

    #[test]
    fn a_name_with_any_non_ascii_character_is_secret() {
        for k in [
            "\u{ff50}\u{ff41}ss",
            "p\u{430}ssword",
            "na\u{ef}ve",
            "status\u{200b}",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
        // Bytes that are not UTF-8 (the binding passes them unvalidated).
        assert!(is_secret_name(b"st\xffatus"));
    }

    #[test]
    fn ordinary_names_are_kept() {
        for k in [
            "", "action", "actor", "target", "reason", "details", "at", "count", "id",
        ] {
            assert!(!is_secret_key(k), "{k}");
        }
    }

    #[test]
    fn over_long_names_fail_closed() {
        assert!(!is_secret_key(&"a".repeat(MAX_KEY_LEN)));
        assert!(is_secret_key(&"a".repeat(MAX_KEY_LEN + 1)));
        // Dropped characters do not count toward the bound.
        assert!(!is_secret_key(&"-".repeat(10 * MAX_KEY_LEN)));
    }

    #[test]
    fn connection_urls_webhook_urls_and_bearer_links_are_secret() {
        for k in [
            "databaseUrl",
            "DATABASE_URL",
            "SHADOW_DATABASE_URL",
            "DATABASE_PRIVATE_URL",
            "dbUrl",
            "MONGODB_URI",
            "mongoUrl",
            "REDIS_URL",
            "redisUri",
            "POSTGRES_PRISMA_URL",
            "POSTGRES_URL_NON_POOLING",
            "KV_URL",
            "RABBITMQ_URL",
            "brokerUrl",
            "SMTP_URL",
            "connectionUri",
            "SLACK_WEBHOOK_URL",
            "webhookUrl",
            "webhookUrls",
            "magicLink",
            "resetLink",
            "presignedUrl",
            "signedUploadUrl",
            "inviteLink",
            "invitationUrl",
            "verificationLink",
            "confirmUrl",
            "presetUrl",
            "loginLink",
            "LOGIN_URL",
            "slackWebhook",
            "DISCORD_WEBHOOK",
            "webhook",
            "webhooks",
            "webhookId",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
        for k in [
            "url",
            "link",
            "imageUrl",
            "avatarUrl",
            "callbackUrl",
            "redirectUrl",
            "feedbackUrl",
            "sandboxUrl",
            "database",
            "dbName",
            "hook",
            "login",
            "loginCount",
            "lastLoginAt",
            "magic",
            "magicNumber",
            "resetCount",
            "urlDatabase",
            "databaseurl",
        ] {
            assert!(!is_secret_key(k), "{k}");
        }
    }

    #[test]
    fn bank_account_numbers_are_secret() {
        for k in [
            "iban",
            "IBAN",
            "payoutIban",
            "accountNumber",
            "bankAccountNumber",
            "account_num",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
        for k in [
            "Ibanez",
            "account",
            "accountId",
            "accountName",
            "numAccounts",
        ] {
            assert!(!is_secret_key(k), "{k}");
        }
    }

    #[test]
    fn personal_access_tokens_are_secret_as_whole_words() {
        for k in [
            "pat",
            "PAT",
            "GITHUB_PAT",
            "githubPat",
            "pats",
            "gitlab_pat_id",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
        for k in [
            "path",
            "patch",
            "pattern",
            "patient",
            "patientId",
            "spatial",
            "compat",
            "expat",
        ] {
            assert!(!is_secret_key(k), "{k}");
        }
    }

    #[test]
    fn card_numbers_keys_seeds_and_assertions_are_secret() {
        for k in [
            "cardNumber",
            "CARD_NUMBER",
            "creditCardNumber",
            "cardNum",
            "discardNumber",
            "pan",
            "PAN",
            "cardPan",
            "pans",
            "panX",
            "id_rsa",
            "id_ed25519",
            "id_ecdsa",
            "id_rsa.pub",
            "privatePem",
            "privateJwk",
            "pfx",
            "certPfx",
            "psk",
            "wifiPsk",
            "seed",
            "walletSeed",
            "seeds",
            "seedData",
            "socialSecurityNumber",
            "social_security",
            "samlResponse",
            "SAMLResponse",
            "samlAssertion",
            "client_assertion",
            "kubeconfig",
            "KUBECONFIG",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
        for k in [
            "company",
            "panel",
            "PANEL",
            "span",
            "expand",
            "japan",
            "panorama",
            "cardId",
            "cardLast4",
            "publicPem",
            "seedling",
            "seeded",
            "upskill",
            "social",
        ] {
            assert!(!is_secret_key(k), "{k}");
        }
    }

    #[test]
    fn kept_pairs_are_exactly_two_words_or_one_and_the_whole_name() {
        for k in [
            "errorCode",
            "ERROR_CODE",
            "errorcode",
            "statusCode",
            "countryCode",
            "zipCode",
            "zipcode",
            "postcode",
            "postalCode",
            "sortKey",
            "partitionKey",
            "idempotencyKey",
            "idempotencykey",
            "publicKey",
            "prompt_tokens",
            "completion_tokens",
            "total_tokens",
            "PROMPT_TOKENS",
        ] {
            assert!(!is_secret_key(k), "{k}");
        }
        for k in [
            "errorCodes",
            "publicKeys",
            "myzipCode",
            "unzipCode",
            "inviteCode",
            "cacheKey",
            "publickeyid",
            "cachedToken",
            "inputToken",
            "tokens",
            "usedTokens",
            "primaryKeyPassword",
            // An attacker's review: a pair inside a longer name kept `signingPrimaryKey`.
            "primaryKey",
            "signingPrimaryKey",
            "hmacPublicKey",
            "primaryKeyValue",
            "publicKeyId",
            "userPublicKey",
            "maxOutputTokens",
            "prompt_tokens_details",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
    }

    #[test]
    fn a_last_word_at_or_count_keeps_the_name() {
        for k in [
            "passwordChangedAt",
            "passwordUpdatedAt",
            "tokenExpiresAt",
            "PASSWORD_CHANGED_AT",
            "magicLinkSentAt",
            "tokenCount",
            "sessionCount",
            "refreshCount",
            "promptTokenCount",
        ] {
            assert!(!is_secret_key(k), "{k}");
        }
        for k in [
            "passwordchangedat",
            "tokenCounts",
            "tokenExpiry",
            "sessionTimeout",
            "passwordLength",
            "tokenChat",
            "atToken",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
    }
}
