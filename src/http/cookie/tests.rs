//! The cookie policy's unit tests.

use super::*;

fn policy(secret: u8) -> CookiePolicy {
    CookiePolicy(Arc::new(policy_parts(secret)))
}

fn policy_parts(secret: u8) -> Policy {
    Policy {
        name: cookie_name(true),
        secure: true,
        max_age: cookie::time::Duration::minutes(30),
        current: Key::from(&[secret; 64]),
        previous: Vec::new(),
    }
}

#[test]
fn a_fingerprint_is_stable_for_an_id_and_differs_between_ids_and_keys() {
    let (id, other) = (Id::default(), Id::default());
    let ours = policy(1);
    let print = ours.fingerprint(&id);
    assert_eq!(print, ours.fingerprint(&id));
    assert_eq!(print.len(), 14, "{print}");
    assert_ne!(print, ours.fingerprint(&other));
    assert_ne!(
        print,
        policy(2).fingerprint(&id),
        "keyed: another server's key gives another print"
    );
    assert!(!id.to_string().contains(&print.replace('-', "")));
}

/// What makes a request a first visit (the kept page): no cookie of
/// our name, whatever else it carries; ours counts even unsigned.
#[test]
fn only_a_cookie_of_our_name_counts_as_sent() {
    let ours = policy(1);
    let sent = |line: &str| {
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_str(line).unwrap());
        ours.is_sent(&headers)
    };
    assert!(!ours.is_sent(&HeaderMap::new()));
    assert!(!sent("theme=dark; session=x; __Host-sessionx=y"));
    assert!(sent("theme=dark; __Host-session=not-signed"));
}

/// The layer in front acts on a repeated cookie, a signed value that
/// is no id and a previous key's cookie, as `read` tells them; a
/// single cookie naming an id, whoever signed it, needs nothing.
#[test]
fn the_layer_in_front_reads_what_it_acts_on_as_read_does() {
    let id = Id::default();
    let header = |cookie: &Cookie<'_>| {
        let mut headers = HeaderMap::new();
        let line = format!("{}={}", cookie.name(), cookie.value());
        headers.append(COOKIE, HeaderValue::from_str(&line).unwrap());
        headers
    };
    let ours = policy(1);
    let signed = header(&ours.signed(&id));
    assert_eq!(ours.read(&signed), Incoming::Id { id, stale: false });
    assert_eq!(ours.read_in_front(&signed), Incoming::Absent);
    let forged = header(&policy(2).signed(&id));
    assert_eq!(ours.read(&forged), Incoming::Absent);
    assert_eq!(ours.read_in_front(&forged), Incoming::Absent);

    let mut jar = CookieJar::new();
    jar.signed_mut(&ours.0.current)
        .add(Cookie::new(ours.name(), "not an id"));
    let not_an_id = header(jar.get(ours.name()).unwrap());
    assert_eq!(ours.read(&not_an_id), Incoming::NotAnId);
    assert_eq!(ours.read_in_front(&not_an_id), Incoming::NotAnId);
    let mut twice = signed.clone();
    twice.append(COOKIE, signed[COOKIE].clone());
    assert_eq!(ours.read_in_front(&twice), Incoming::NotAnId);

    let rotated = CookiePolicy(Arc::new(Policy {
        previous: vec![Key::from(&[2; 64])],
        ..policy_parts(3)
    }));
    let stale = Incoming::Id { id, stale: true };
    assert_eq!(rotated.read(&forged), stale);
    assert_eq!(rotated.read_in_front(&forged), stale);
}

#[test]
fn the_attributes_shown_are_those_set() {
    let ours = policy(1);
    let mut headers = HeaderMap::new();
    ours.set(&mut headers, &Id::default());
    let line = headers[SET_COOKIE].to_str().unwrap().to_owned();
    for attribute in ours.attributes() {
        assert!(line.contains(&attribute), "{attribute} not in {line}");
    }
}
