package io.lockstep.agent.core.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import org.junit.jupiter.api.Test;

class RedactorTest {

    @Test
    void knownSecretsAreMaskedWherever_theyAppear() {
        assertEquals(
                "auth failed for **** (****)",
                Redactor.redact("auth failed for hunter2 (hunter2)", List.of("hunter2")));
    }

    @Test
    void credentialShapesAreMaskedEvenWhenTheValueIsUnknown() {
        String text = Redactor.redact(
                "connect: host=db password=s3cret user=x; "
                        + "url postgresql://backup:topsecret@db:5432/app token: abc123",
                List.of());
        assertFalse(text.contains("s3cret"), text);
        assertFalse(text.contains("topsecret"), text);
        assertFalse(text.contains("abc123"), text);
        assertEquals(
                "connect: host=db password=**** user=x; url postgresql://backup:****@db:5432/app token: ****", text);
    }

    @Test
    void nullAndEmptySecretsAreIgnored() {
        java.util.List<String> secrets = new java.util.ArrayList<>();
        secrets.add(null);
        secrets.add("");
        assertEquals("plain text", Redactor.redact("plain text", secrets));
    }
}
