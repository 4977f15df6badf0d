use crate::helpers::spawn_app_on;

#[tokio::test]
async fn a_session_survives_a_restart_on_the_same_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("sessions.db");
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());

    let first = spawn_app_on(&db, jar.clone()).await;
    assert_eq!(first.get("/setsession").await.1, "The session has been Set");
    first.stop().await;

    let second = spawn_app_on(&db, jar).await;
    assert_eq!(second.get("/getsession").await.1, "Welcome Admin");
}
