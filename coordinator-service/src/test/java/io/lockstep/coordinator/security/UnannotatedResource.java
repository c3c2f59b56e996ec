package io.lockstep.coordinator.security;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;

/** An endpoint someone forgot to annotate (test only): it must be denied to every caller. */
@Path("/api/v1/test-unannotated")
public class UnannotatedResource {

    @GET
    public String read() {
        return "should never be served";
    }

    @POST
    public String write() {
        return "should never be served";
    }
}
