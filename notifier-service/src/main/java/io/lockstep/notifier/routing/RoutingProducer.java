package io.lockstep.notifier.routing;

import io.lockstep.notifier.config.NotifierConfig;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Validates the channels and routes once, at startup (see {@code Dispatcher}), and shares the result. */
public class RoutingProducer {

    @Produces
    @Singleton
    Routing routing(NotifierConfig config) {
        return Routing.from(config);
    }
}
