package dev.tern.kernel.stats;

import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.ReflectionException;
import java.util.ArrayList;
import java.util.List;

/**
 * The JMX view of one {@link Stat}: read-only attributes {@code Value} and {@code Unit}, plus
 * {@code Count}, {@code TotalNanos}, {@code MinNanos} and {@code MaxNanos} for profiles (whose
 * {@code Value} is the average interval in nanoseconds).
 */
final class StatMBean implements DynamicMBean {

    private final Stat stat;
    private final MBeanInfo info;

    StatMBean(Stat stat) {
        this.stat = stat;
        this.info = new MBeanInfo(stat.getClass().getName(), stat.path() + ": " + stat.description(),
                attributes(stat), null, new MBeanOperationInfo[0], null);
    }

    private static MBeanAttributeInfo[] attributes(Stat stat) {
        List<MBeanAttributeInfo> list = new ArrayList<>();
        list.add(longAttribute("Value", stat instanceof Profile ? "average ns per interval" : stat.description()));
        list.add(new MBeanAttributeInfo("Unit", String.class.getName(), "unit of Value", true, false, false));
        if (stat instanceof Profile) {
            list.add(longAttribute("Count", "intervals recorded"));
            list.add(longAttribute("TotalNanos", "sum of intervals"));
            list.add(longAttribute("MinNanos", "shortest interval"));
            list.add(longAttribute("MaxNanos", "longest interval"));
        }
        return list.toArray(MBeanAttributeInfo[]::new);
    }

    private static MBeanAttributeInfo longAttribute(String name, String description) {
        return new MBeanAttributeInfo(name, "long", description, true, false, false);
    }

    @Override
    public Object getAttribute(String attribute) throws AttributeNotFoundException {
        if (attribute.equals("Unit")) {
            return stat.unit();
        }
        StatSample sample = stat.sample();
        Long v = switch (sample) {
            case StatSample.Value val -> attribute.equals("Value") ? val.value() : null;
            case StatSample.Timing t -> switch (attribute) {
                case "Value" -> t.averageNanos();
                case "Count" -> t.count();
                case "TotalNanos" -> t.totalNanos();
                case "MinNanos" -> t.minNanos();
                case "MaxNanos" -> t.maxNanos();
                default -> null;
            };
        };
        if (v == null) {
            throw new AttributeNotFoundException("stat " + stat.path() + " has no attribute " + attribute);
        }
        return v;
    }

    @Override
    public void setAttribute(Attribute attribute) throws AttributeNotFoundException {
        throw new AttributeNotFoundException("stat " + stat.path() + " is read-only");
    }

    @Override
    public AttributeList getAttributes(String[] attributes) {
        AttributeList list = new AttributeList();
        for (String a : attributes) {
            try {
                list.add(new Attribute(a, getAttribute(a)));
            } catch (AttributeNotFoundException e) {
                // JMX convention: attributes that cannot be read are left out of the list.
            }
        }
        return list;
    }

    @Override
    public AttributeList setAttributes(AttributeList attributes) {
        return new AttributeList();
    }

    @Override
    public Object invoke(String actionName, Object[] params, String[] signature) throws ReflectionException {
        throw new ReflectionException(new NoSuchMethodException(actionName), "stat MBeans have no operations");
    }

    @Override
    public MBeanInfo getMBeanInfo() {
        return info;
    }
}
