

def saliency(model, image, target):
    model.eval()
    image = image.clone().requires_grad_()
    out = model(image.unsqueeze(0))
    out[0, target].backward()
    return image.grad.abs().max(dim=0).values
