package io.lockstep.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.URI;
import org.junit.jupiter.api.Test;

class UrlRedactorTest {

    @Test
    void aHookUrlLosesItsUserInfoQueryAndFragmentButKeepsItsPath() {
        assertEquals(
                "https://indexer.example.com:8443/pause",
                UrlRedactor.withoutSecrets(
                        URI.create("https://ops:s3cret@indexer.example.com:8443/pause?token=abc#frag")));
        assertEquals("http://indexer/resume", UrlRedactor.withoutSecrets(URI.create("http://indexer/resume")));
    }

    @Test
    void aUrlGivenAsTextThatIsNoUrlIsShownAsUnparseable() {
        assertEquals("http://h/p", UrlRedactor.withoutSecrets("http://u:p@h/p?x=1"));
        assertEquals(UrlRedactor.UNPARSEABLE, UrlRedactor.withoutSecrets("http://bad host/ with spaces"));
        assertEquals(UrlRedactor.UNPARSEABLE, UrlRedactor.withoutSecrets((String) null));
    }

    @Test
    void anOriginKeepsOnlySchemeHostAndPort() {
        assertEquals(
                "https://hooks.slack.com",
                UrlRedactor.origin(URI.create("https://hooks.slack.com/services/T0/B0/XYZ")));
        assertEquals(
                "http://127.0.0.1:9000", UrlRedactor.origin(URI.create("http://key:secret@127.0.0.1:9000/bucket")));
    }

    @Test
    void passwordsOfUrlsInFreeTextAreMasked() {
        assertEquals(
                "cannot reach postgresql://app:****@db:5432/shop (refused)",
                UrlRedactor.maskPasswords("cannot reach postgresql://app:hunter2@db:5432/shop (refused)"));
        assertEquals("no url here", UrlRedactor.maskPasswords("no url here"));
        assertNull(UrlRedactor.maskPasswords(null));
    }
}
