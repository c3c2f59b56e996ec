package io.lockstep.coordinator.catalog;

import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;

/** Stores a {@link PlanSpec} as the JSON text the operator's plan was validated into. */
@Converter
public class PlanSpecConverter implements AttributeConverter<PlanSpec, String> {

    @Override
    public String convertToDatabaseColumn(PlanSpec spec) {
        return spec == null ? null : Json.write(spec);
    }

    @Override
    public PlanSpec convertToEntityAttribute(String json) {
        return Json.read(json, PlanSpec.class);
    }
}
