//! End to end: the county server over HTTPS (issue 15, item 5). The certificate is made in
//! the test by a county CA of its own (rcgen); the replica trusts that CA, as a phone of a
//! county with its own CA would, and syncs through TLS. A password or token never goes to a
//! plain `http://` address that is not this machine.

use axum::serve::ListenerExt;
use jiandang_domain::RecordKind;
use jiandang_e2e::*;
use jiandang_replica::Replica;
use jiandang_server::AppState;
use serde_json::json;

/// A county CA's certificate (PEM) and a server certificate for 127.0.0.1 and localhost
/// signed by it (chain PEM, key PEM).
fn county_ca_and_server_cert() -> (String, String, String) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "测试县扶贫办 CA");
    let ca_cert = ca_params.self_signed(&ca_key).expect("CA cert");
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().expect("server key");
    let params = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
        .expect("server params");
    let cert = params.signed_by(&key, &issuer).expect("server cert");
    (ca_cert.pem(), cert.pem(), key.serialize_pem())
}

/// Serves the county over HTTPS on 127.0.0.1:0 until the runtime ends; its address.
async fn serve_https(county: &County, cert: &str, key: &str) -> std::net::SocketAddr {
    let config =
        jiandang_server::tls::server_config(cert.as_bytes(), key.as_bytes()).expect("TLS config");
    let state = AppState::open(&county.db_path, county.clock.clone()).expect("state");
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = tcp.local_addr().expect("addr");
    let listener = jiandang_server::tls::TlsListener::new(tcp, config)
        .expect("TLS listener")
        .tap_io(|_| {});
    let app = jiandang_server::router(state)
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_enrolls_and_syncs_over_https_with_the_countys_own_certificate() {
    let county = County::in_entry_window();
    let (ca, cert, key) = county_ca_and_server_cert();
    let addr = serve_https(&county, &cert, &key).await;
    let url = format!("https://localhost:{}", addr.port());

    let a = county.device("a");
    // Without the county's CA the device does not trust the server: nothing is sent.
    let untrusted = a
        .replica
        .enroll(&url, WORKERS[0], PASSWORD, "a")
        .await
        .expect_err("an unknown CA is refused");
    assert_eq!(untrusted.code(), "network", "{untrusted}");

    a.replica
        .trust_certificate_pem(ca.as_bytes())
        .expect("trust the county CA");
    a.enroll(&url, WORKERS[0]).await;
    let h = Replica::new_id();
    a.save(
        RecordKind::Household,
        h,
        county.village,
        &household_doc(h, county.village, "4114210001"),
    );
    let report = a.sync().await.expect("sync over HTTPS");
    assert!(report.accepted > 0, "{report:?}");

    // A second device gets the household through the same TLS server.
    let b = county.device("b");
    b.replica
        .trust_certificate_pem(ca.as_bytes())
        .expect("trust");
    b.enroll(&url, WORKERS[1]).await;
    b.sync().await.expect("b sync over HTTPS");
    assert_eq!(b.field(h, "basic.household_number"), json!("4114210001"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_or_token_is_never_sent_to_a_plain_http_address_off_this_machine() {
    let county = County::in_entry_window();
    let server = county.start_server();
    let a = county.device("a");
    // 192.0.2.0/24 is TEST-NET-1: nothing answers there, and nothing is even tried.
    let refused = a
        .replica
        .enroll("http://192.0.2.10:8080", WORKERS[0], PASSWORD, "a")
        .await
        .expect_err("plain http off this machine");
    assert_eq!(refused.code(), "insecure_server");
    assert!(refused.to_string().contains("https://"), "{refused}");
    assert!(a.replica.enrollment().expect("enrollment").is_none());

    // Enrolled over loopback, then pointed at a plain address: the token stays home.
    a.enroll(&server.url(), WORKERS[0]).await;
    a.replica
        .set_server_url("http://county.example.cn")
        .expect("url");
    let e = a.sync().await.expect_err("token over plain http");
    assert_eq!(e.code(), "insecure_server", "{e}");
}
